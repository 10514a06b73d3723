from django.core.management.base import BaseCommand

from apps.chat.digest import send_mention_digests


class Command(BaseCommand):
    help = "Email people about mentions they have not read (idempotent; run every minute)."

    def handle(self, *args, **options) -> None:
        sent = send_mention_digests()
        self.stdout.write(f"Mention digests sent: {sent}")
