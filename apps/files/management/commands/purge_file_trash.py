from django.core.management.base import BaseCommand

from apps.files.services import purge_trash


class Command(BaseCommand):
    help = "Delete the files that have been in a collab's trash for over 30 days. Idempotent."

    def handle(self, *args, **options):
        purged = purge_trash()
        self.stdout.write(f"purge_file_trash: {purged} files purged")
