from django.core.management.base import BaseCommand

from apps.invitations.services import deliver_stalled


class Command(BaseCommand):
    help = (
        "Enqueue again the invitations waiting too long to be sent, and mark those cut off "
        "while being sent as not delivered (idempotent; run every minute)."
    )

    def handle(self, *args, **options) -> None:
        enqueued, cut_off = deliver_stalled()
        self.stdout.write(f"deliver_invitations: {enqueued} enqueued again, {cut_off} cut off")
