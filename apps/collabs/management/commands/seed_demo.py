"""Demo data for the single-machine default. Idempotent: a second run changes nothing."""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.models import User
from apps.collabs import services
from apps.collabs.models import Collab

# The demo accounts' password, as the README lists it (never use the demo data in production).
PASSWORD = "collabhub-demo"  # noqa: S105

USERS = [
    # email, full name, kind, staff/superuser, time zone, language
    ("anna@example.com", "Anna Smirnova", User.Kind.EMPLOYEE, False, "Europe/Moscow", "ru"),
    ("boris@example.com", "Boris Ivanov", User.Kind.EMPLOYEE, False, "Europe/Moscow", ""),
    ("ivan@example.com", "Ivan Petrov", User.Kind.GUEST, False, "Asia/Yekaterinburg", ""),
    ("admin@example.com", "Site Admin", User.Kind.EMPLOYEE, True, "UTC", "en"),
]

COLLABS = [
    # name, description, owner, members
    (
        "Website redesign",
        "Joint work with the design studio on the new website.",
        "anna@example.com",
        ["boris@example.com", "ivan@example.com"],
    ),
    (
        "Quarterly report",
        "Internal: figures and slides for the quarterly report.",
        "anna@example.com",
        ["boris@example.com"],
    ),
]


class Command(BaseCommand):
    help = "Create the demo accounts and collabs (listed in the README); safe to run again."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        created = 0
        users = {}
        for email, name, kind, admin, tz, lang in USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email,
                    PASSWORD,
                    full_name=name,
                    kind=kind,
                    timezone=tz,
                    language=lang,
                    is_staff=admin,
                    is_superuser=admin,
                )
                created += 1
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            users[email] = user
        for name, description, owner, members in COLLABS:
            if Collab.objects.filter(name=name, owner=users[owner]).exists():
                continue
            collab = services.create_collab(users[owner], name=name, description=description)
            for email in members:
                services.add_member(collab, users[owner], users[email])
            created += 1
        self.stdout.write(
            f"Demo data: {created} created." if created else "Demo data: already there."
        )
