from django.core.management.base import BaseCommand

from apps.calendar.services import REMIND_BEFORE, remind_upcoming


class Command(BaseCommand):
    help = (
        "Remind the people of each meeting once, shortly before it starts (notification and "
        "email). Idempotent."
    )

    def handle(self, *args, **options):
        reminded = remind_upcoming()
        minutes = int(REMIND_BEFORE.total_seconds() // 60)
        self.stdout.write(f"remind_meetings: {reminded} meetings within {minutes} min reminded")
