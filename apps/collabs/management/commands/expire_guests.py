from django.core.management.base import BaseCommand

from apps.collabs.services import expire_guests


class Command(BaseCommand):
    help = "Remove guests whose access ended; warn their inviters five days before. Idempotent."

    def handle(self, *args, **options):
        removed, warned = expire_guests()
        self.stdout.write(f"expire_guests: {removed} removed, {warned} warned")
