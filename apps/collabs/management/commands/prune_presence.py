from django.core.management.base import BaseCommand

from apps.collabs.presence import prune


class Command(BaseCommand):
    help = (
        "Delete the presence of sockets not heard from for ten minutes (left by a server "
        "process that died) and tell their collabs who went offline. Idempotent."
    )

    def handle(self, *args, **options):
        removed = prune()
        self.stdout.write(f"prune_presence: {removed} removed")
