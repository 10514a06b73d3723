from django.core.management.base import BaseCommand

from apps.files.previews import enqueue_pending


class Command(BaseCommand):
    help = "Enqueue again the file previews still pending minutes after the upload. Idempotent."

    def handle(self, *args, **options):
        enqueued = enqueue_pending()
        self.stdout.write(f"make_previews: {enqueued} previews enqueued")
