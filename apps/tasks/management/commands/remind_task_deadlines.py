from django.core.management.base import BaseCommand

from apps.tasks.services import remind_due


class Command(BaseCommand):
    help = (
        "Remind the people doing each open task once when its deadline is a day away. Idempotent."
    )

    def handle(self, *args, **options):
        reminded = remind_due()
        self.stdout.write(f"remind_task_deadlines: {reminded} tasks reminded")
