from django.core.management.base import BaseCommand

from apps.tasks.services import note_overdue


class Command(BaseCommand):
    help = "Tell each chat once about each open task past its deadline. Idempotent."

    def handle(self, *args, **options):
        noted = note_overdue()
        self.stdout.write(f"note_overdue_tasks: {noted} tasks noted")
