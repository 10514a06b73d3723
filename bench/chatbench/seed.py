"""Seeding through the Django ORM in the bench process (same environment as the server):
users, collabs, memberships, read states, messages in bulk, and signed-in sessions.

Call only after django.setup()."""

import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection, connections, transaction
from django.utils import timezone

from apps.accounts.models import User, UserSession
from apps.accounts.services import TRACKED_KEY
from apps.chat.markup import render_message
from apps.chat.models import Message, ReadState
from apps.collabs.models import Collab, Membership, Role
from apps.collabs.services import create_collab

BATCH = 10_000
BODIES = [
    "Morning all, the draft contract is in the shared folder.",
    "**Reminder:** the review call moves to Thursday 15:00, same link as last week.",
    "I checked the figures against https://example.com/report/q3 and they match now.",
    "Two things before we sign:\n\n1. the delivery dates in annex B\n2. who pays the freight",
    "Thanks! Looks good to me.",
    "Can someone from finance confirm the `PO-4471` number? The invoice shows a different one.",
    "> the pallets arrive on the 14th\n\nThey told us the 16th on the phone, I'll ask again.",
    "Quick update: legal has no objections, we wait for the client's stamp and then we're done. "
    "I'll post the signed copy here as soon as it arrives, probably tomorrow before noon.",
]


@dataclass
class SeededCollab:
    id: int
    name: str
    messages: int
    member_ids: list[int]  # users[] indexes, owner first
    first_id: int = 0
    last_id: int = 0


@dataclass
class Seeded:
    users: list[int] = field(default_factory=list)  # user pks; index 0 owns every collab
    sessions: list[str] = field(default_factory=list)  # session key per user index
    collabs: dict[str, SeededCollab] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def seed(n_users: int, plan: dict[str, tuple[int, int]], log=print) -> Seeded:
    """`plan`: collab name -> (member count incl. the owner, message count)."""
    out = Seeded()
    t0 = time.perf_counter()
    password = make_password("bench-" + secrets.token_hex(8))  # hashed once, shared
    joined = timezone.now() - timedelta(days=400)
    users = User.objects.bulk_create(
        [
            User(
                email=f"bench{i}@example.com",
                full_name=f"Bench Person {i}",
                kind=User.Kind.EMPLOYEE,
                password=password,
                date_joined=joined,
            )
            for i in range(n_users)
        ],
        batch_size=BATCH,
    )
    out.users = [u.pk for u in users]
    out.sessions = _sessions(users)
    out.timings["users+sessions"] = time.perf_counter() - t0

    rendered = [render_message(body).html for body in BODIES]
    owner = users[0]
    for name, (n_members, n_messages) in plan.items():
        t1 = time.perf_counter()
        out.collabs[name] = _collab(
            name, users, owner, n_members, n_messages, rendered, joined, log
        )
        out.timings[name] = time.perf_counter() - t1
    t2 = time.perf_counter()
    with connection.cursor() as cursor:
        # What autovacuum would do later, done now so it runs during no measurement.
        for table in (Message, ReadState, Membership, User, Session):
            # lint: allow fstring-sql -- a table name from model metadata
            cursor.execute(f'VACUUM ANALYZE "{table._meta.db_table}"')
    out.timings["vacuum analyze"] = time.perf_counter() - t2
    out.timings["total"] = time.perf_counter() - t0
    connections.close_all()
    return out


def _sessions(users: list[User]) -> list[str]:
    """A signed-in session per user, as allauth leaves it after a login (and recorded, as
    the deactivation tracking middleware would record it)."""
    store = SessionStore()
    expire = timezone.now() + timedelta(days=14)
    keys, rows, tracked = [], [], []
    for user in users:
        key = secrets.token_hex(16)
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "allauth.account.auth_backends.AuthenticationBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
            TRACKED_KEY: key,
        }
        keys.append(key)
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        tracked.append(UserSession(session_key=key, user=user))
    Session.objects.bulk_create(rows, batch_size=BATCH)
    UserSession.objects.bulk_create(tracked, batch_size=BATCH)
    return keys


def _collab(name, users, owner, n_members, n_messages, rendered, joined, log) -> SeededCollab:
    collab = create_collab(owner, name=name)
    start = timezone.now() - timedelta(days=365)
    Collab.objects.filter(pk=collab.pk).update(created=start - timedelta(days=1))
    Message.objects.filter(collab=collab).update(
        created=start - timedelta(days=1), updated=start - timedelta(days=1)
    )
    Membership.objects.filter(collab=collab).update(joined_at=joined)
    members = users[1:n_members]
    Membership.objects.bulk_create(
        [
            Membership(collab=collab, user=u, role=Role.MEMBER, joined_at=joined, added_by=owner)
            for u in members
        ],
        batch_size=BATCH,
    )
    authors = [owner, *members]
    step = timedelta(days=365) / max(n_messages, 1)
    t0 = time.perf_counter()
    for base in range(0, n_messages, BATCH):
        batch = []
        for i in range(base, min(base + BATCH, n_messages)):
            k = i % len(BODIES)
            at = start + step * i
            batch.append(
                Message(
                    collab=collab,
                    author=authors[(i * 7) % len(authors)],
                    body=BODIES[k],
                    html=rendered[k],
                    created=at,
                    updated=at,
                )
            )
        with transaction.atomic():
            Message.objects.bulk_create(batch)
        done = base + len(batch)
        if n_messages >= 200_000 and done % 100_000 == 0:
            rate = done / (time.perf_counter() - t0)
            log(f"    {name}: {done:,} of {n_messages:,} messages ({rate:,.0f}/s)")
    ids = Message.objects.filter(collab=collab).order_by("pk").values_list("pk", flat=True)
    first_id = ids.first()
    last_id = ids.last()
    # Everyone has read to the end (create_collab gave the owner a row already).
    ReadState.objects.filter(collab=collab).delete()
    ReadState.objects.bulk_create(
        [ReadState(collab=collab, user=u, last_read_id=last_id) for u in authors],
        batch_size=BATCH,
    )
    return SeededCollab(
        id=collab.pk,
        name=name,
        messages=n_messages,
        member_ids=list(range(n_members)),
        first_id=first_id,
        last_id=last_id,
    )
