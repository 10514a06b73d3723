"""Seeding for the load test, in bulk through the Django ORM (call after django.setup()):
`n_collabs` collabs, each with its owner, employees (each employee is in three collabs) and a
few guests (guest accounts in that one collab, with the guest role), a history of messages
per collab, everyone's read state at the end of it, and a signed-in session per person.

The people are returned in the order the load test brings them online: shuffled once with a
fixed seed, so that any first N of them spread over all the collabs, guests among them."""

import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta

from chatbench.seed import _sessions
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.db import connection, connections, transaction
from django.utils import timezone

from apps.accounts.models import User, UserSession
from apps.chat.markup import render_message
from apps.chat.models import Message, ReadState
from apps.collabs.models import Collab, Membership, Role
from apps.collabs.services import create_collab

from .texts import BODIES

BATCH = 5_000
COLLABS_PER_EMPLOYEE = 3


@dataclass
class Person:
    index: int  # position in the online order
    user_id: int
    session_key: str
    guest: bool
    collabs: list[int]  # collab ids, home first


@dataclass
class SeededCollab:
    id: int
    first_id: int
    last_id: int
    members: int


@dataclass
class Seeded:
    people: list[Person] = field(default_factory=list)
    collabs: dict[int, SeededCollab] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def seed(
    n_people: int,
    n_collabs: int,
    guests_per_collab: int,
    messages_per_collab: int,
    tag: str = "",
) -> Seeded:
    """`tag` keeps the addresses apart from an earlier run's in the same database."""
    out = Seeded()
    t0 = time.perf_counter()
    n_guests = n_collabs * guests_per_collab
    n_employees = max(n_collabs, n_people - n_guests)
    password = make_password("load-" + secrets.token_hex(8))  # hashed once, shared
    joined = timezone.now() - timedelta(days=400)
    employees = User.objects.bulk_create(
        [
            User(
                email=f"load{tag}-{i}@example.com",
                full_name=f"Load Person {i}",
                kind=User.Kind.EMPLOYEE,
                password=password,
                date_joined=joined,
            )
            for i in range(n_employees)
        ],
        batch_size=BATCH,
    )
    guests = User.objects.bulk_create(
        [
            User(
                email=f"load{tag}-guest{i}@example.org",
                full_name=f"Load Guest {i}",
                kind=User.Kind.GUEST,
                password=password,
                date_joined=joined,
            )
            for i in range(n_guests)
        ],
        batch_size=BATCH,
    )
    out.timings["users"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    collabs = [create_collab(employees[c], name=f"Load collab {c}") for c in range(n_collabs)]
    start = timezone.now() - timedelta(days=365)
    Collab.objects.filter(pk__in=[c.pk for c in collabs]).update(created=start - timedelta(days=1))
    Message.objects.filter(collab__in=collabs).update(
        created=start - timedelta(days=1), updated=start - timedelta(days=1)
    )
    Membership.objects.filter(collab__in=collabs).update(joined_at=joined)
    members: dict[int, list[User]] = {c.pk: [employees[i]] for i, c in enumerate(collabs)}
    person_collabs: dict[int, list[int]] = {}
    rows = []
    for i, user in enumerate(employees):
        picks = [collabs[i].pk] if i < n_collabs else []  # an owner's home is their collab
        k = 0
        while len(picks) < COLLABS_PER_EMPLOYEE and k < 10 * COLLABS_PER_EMPLOYEE:
            collab_id = collabs[(i + k * (17 + i % 7)) % n_collabs].pk
            if collab_id not in picks:
                picks.append(collab_id)
            k += 1
        person_collabs[user.pk] = picks
        for collab_id in picks:
            if members[collab_id][0].pk == user.pk:
                continue  # the owner: create_collab made the membership
            members[collab_id].append(user)
            rows.append(
                Membership(
                    collab_id=collab_id,
                    user=user,
                    role=Role.MEMBER,
                    joined_at=joined,
                    added_by=members[collab_id][0],
                )
            )
    for g, user in enumerate(guests):
        collab_id = collabs[g % n_collabs].pk
        person_collabs[user.pk] = [collab_id]
        members[collab_id].append(user)
        rows.append(
            Membership(
                collab_id=collab_id,
                user=user,
                role=Role.GUEST,
                joined_at=joined,
                added_by=members[collab_id][0],
            )
        )
    Membership.objects.bulk_create(rows, batch_size=BATCH)
    out.timings["collabs+memberships"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    rendered = [render_message(body).html for body in BODIES]
    step = timedelta(days=365) / max(messages_per_collab, 1)
    batch = []
    for c in collabs:
        authors = members[c.pk]
        for i in range(messages_per_collab):
            k = (i * 3 + c.pk) % len(BODIES)
            at = start + step * i
            batch.append(
                Message(
                    collab=c,
                    author=authors[(i * 7) % len(authors)],
                    body=BODIES[k],
                    html=rendered[k],
                    created=at,
                    updated=at,
                )
            )
            if len(batch) >= BATCH:
                with transaction.atomic():
                    Message.objects.bulk_create(batch)
                batch = []
    if batch:
        with transaction.atomic():
            Message.objects.bulk_create(batch)
    out.timings["messages"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    ReadState.objects.filter(collab__in=collabs).delete()
    states = []
    for c in collabs:
        ids = Message.objects.filter(collab=c).order_by("pk").values_list("pk", flat=True)
        first_id, last_id = ids.first(), ids.last()
        out.collabs[c.pk] = SeededCollab(c.pk, first_id, last_id, len(members[c.pk]))
        states += [ReadState(collab=c, user=u, last_read_id=last_id) for u in members[c.pk]]
    ReadState.objects.bulk_create(states, batch_size=BATCH)

    everyone = employees + guests
    keys = _sessions(everyone)
    people = [
        Person(0, u.pk, key, u.kind == User.Kind.GUEST, person_collabs[u.pk])
        for u, key in zip(everyone, keys, strict=True)
    ]
    random.Random(14).shuffle(people)
    for i, p in enumerate(people):
        p.index = i
    out.people = people
    out.timings["read states+sessions"] = time.perf_counter() - t3

    t4 = time.perf_counter()
    with connection.cursor() as cursor:
        # What autovacuum would do later, done now so it runs during no measurement.
        for table in (Message, ReadState, Membership, User, Session, UserSession):
            # lint: allow fstring-sql -- a table name from model metadata
            cursor.execute(f'VACUUM ANALYZE "{table._meta.db_table}"')
    out.timings["vacuum analyze"] = time.perf_counter() - t4
    out.timings["total"] = time.perf_counter() - t0
    connections.close_all()
    return out
