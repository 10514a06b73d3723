"""Demo data for the single-machine default. Idempotent: a second run changes nothing.

Each demo collab comes with a conversation (_demo_chat.py): two working days of chat, so that a
newcomer opens a workspace, not an empty room. It is written only into a collab whose chat holds
no person's message yet (just created, or seeded before the demo had conversations), and only
while its speakers are all members.

The lines go through the chat's services, as the people would write them: rights, rendering,
mentions, links, replies, reactions, pins and read markers are the portal's own. Each speaker
reads the chat before writing (mark_read); the owner reads it to the end, so she has nothing
unread, while the others find what was said after their last word. The services stamp
everything with the present; the times are then set to the past in one pass (_date). The lines
are sent oldest first, so the order of ids (on which the history's pages are keyed) is the
order of times.

It lives in the chat app, the highest layer it needs (collabs and their chat).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import formats, translation

from apps.accounts.models import User
from apps.chat import ratelimit
from apps.chat import services as chat
from apps.chat.access import visible_messages
from apps.chat.demo import demo_seeded
from apps.chat.models import Message, MessageLink, Reaction
from apps.collabs import services
from apps.collabs.models import Collab, Membership

from ._demo_chat import CONVERSATIONS, Conversation

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

# Where the team sits: the conversations' times of day are Moscow's.
OFFICE = ZoneInfo("Europe/Moscow")
# The collab was set up (created, people added) this long before its first line.
SET_UP_BEFORE = dt.timedelta(minutes=20)
# Reactions and pins come a little after the line they are on.
REACTED_AFTER = dt.timedelta(minutes=2)
PINNED_AFTER = dt.timedelta(minutes=5)

# The chat's rate limit (CHAT_BURST_MESSAGES in CHAT_BURST_SECONDS, and the sustained one) is
# for people typing; the seed writes two days of chat in well under a second, Anna's lines up
# to the burst limit. Each line's count is given back as soon as it is sent (ratelimit.refund,
# as send_message does for a resend), so the seed never comes near the limit whatever it is set
# to, send_message runs with all its rules as they are (no settings swapped under a running
# process), and the limiter, Redis's and shared with the server, holds nothing of the seed:
# nobody is kept waiting right after `make run`.


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
        days = last_working_days(dt.datetime.now(OFFICE).date())
        collabs = {}
        for name, description, owner, members in COLLABS:
            collab = Collab.objects.filter(name=name, owner=users[owner]).first()
            if collab is None:
                collab = services.create_collab(users[owner], name=name, description=description)
                for email in members:
                    services.add_member(collab, users[owner], users[email])
                created += 1
            conversation = CONVERSATIONS.get(name)
            if conversation is not None and _open_for(collab, users[owner], users, conversation):
                # As a new request would load it: no memberships cached from the setup.
                collab = Collab.objects.get(pk=collab.pk)
                converse(collab, users[owner], users, conversation, days)
                created += 1
            collabs[name] = Collab.objects.get(pk=collab.pk)
        # The features' part of the demo (a few tasks...), each idempotent on its own; their
        # notes in the chat are dated right after the conversation.
        heads = {
            name: visible_messages(collab.owner, collab).order_by("-pk").first()
            for name, collab in collabs.items()
        }
        for _receiver, added in demo_seeded.send(sender=None, users=users, collabs=collabs):
            created += added or 0
        for name, collab in collabs.items():
            if heads[name] is not None:
                _date_notes_after(collab, heads[name])
        self.stdout.write(
            f"Demo data: {created} created." if created else "Demo data: already there."
        )


def last_working_days(today: dt.date, count: int = 2) -> list[dt.date]:
    """The last `count` working days (Monday to Friday) before `today`, earliest first: all of
    the conversation lies in the past, on days a team works."""
    days = []
    day = today
    while len(days) < count:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days[::-1]


def working_days_after(day: dt.date, count: int) -> dt.date:
    while count:
        day += dt.timedelta(days=1)
        count -= day.weekday() < 5
    return day


def _open_for(collab: Collab, owner: User, users: dict, conversation: Conversation) -> bool:
    """Whether the conversation goes in: nobody has written in the chat yet (system notes do
    not count), and everyone who speaks in it is a member (a demo database someone changed by
    hand is left as it is)."""
    speakers = {users[line.author].pk for line in conversation.lines}
    speakers |= {users[email].pk for line in conversation.lines for email, _ in line.reactions}
    present = Membership.objects.current().filter(collab=collab, user_id__in=speakers).count()
    if present != len(speakers):
        return False
    return not visible_messages(owner, collab).filter(kind=Message.Kind.USER).exists()


def converse(
    collab: Collab, owner: User, users: dict, conversation: Conversation, days: list[dt.date]
) -> list[Message]:
    """Write the conversation into the collab through the chat's services, then date it on
    `days` (earliest first). Returns the messages, in order."""
    due = working_days_after(days[-1], 2)
    with translation.override(conversation.language):
        # "Tuesday, 2 December" / "2 декабря" (the month as Russian writes it after a number).
        due_text = formats.date_format(due, "l, j F" if conversation.language == "en" else "j E")
    sent: list[Message] = []
    for line in conversation.lines:
        author = users[line.author]
        if sent:  # one reads the chat before writing in it
            chat.mark_read(collab, author, sent[-1].pk)
        reply_to_id = sent[line.reply_to].pk if line.reply_to is not None else None
        body = line.body.replace("{due}", due_text)
        message = chat.send_message(collab, author, body, reply_to_id=reply_to_id)
        ratelimit.refund(author.pk)  # see the rate limit above
        sent.append(message)
        for email, emoji in line.reactions:
            chat.mark_read(collab, users[email], message.pk)
            chat.toggle_reaction(collab, users[email], message.pk, emoji)
        if line.pinned_by:
            chat.set_pinned(collab, users[line.pinned_by], message.pk, True)
    # The owner has read it all; the others stop where they last wrote or reacted.
    chat.mark_read(collab, owner, sent[-1].pk)
    times = [
        dt.datetime.combine(days[line.day], dt.time.fromisoformat(line.at), tzinfo=OFFICE)
        for line in conversation.lines
    ]
    _date(collab, conversation, sent, times)
    return sent


def _date_notes_after(collab: Collab, head: Message) -> None:
    """What the features wrote into the chat after `head` (the conversation's last line, in
    the past) goes a minute apart right after it, never "now", and the owner has read it."""
    # lint: allow message-query -- demo data only: dates what the services just wrote
    notes = list(Message.objects.filter(collab=collab, pk__gt=head.pk).order_by("pk"))
    for minutes, note in enumerate(notes, start=1):
        when = head.created + dt.timedelta(minutes=minutes)
        # lint: allow message-query -- demo data only: dates what the services just wrote
        Message.objects.filter(pk=note.pk).update(created=when, updated=when)
    if notes:
        chat.mark_read(collab, collab.owner, notes[-1].pk)


def _date(collab: Collab, conversation: Conversation, sent: list[Message], times) -> None:
    """Move the conversation (and the collab's setup before it) to `times`, in the past.

    What the services stamped with the present and a reader sees: the messages' times (and
    `updated`, moved by a reaction or a pin), their links' (copied from the message), the
    reactions' and the pins'. The notes written before the first line (the collab created,
    people added) go just before it, unless older already (a collab seeded before the demo had
    conversations keeps its history where it was); the collab's creation and the memberships
    move back with them, so a member whose history starts when they joined sees it all. The
    audit log keeps the real times: it records what was done, and when."""
    set_up = times[0] - SET_UP_BEFORE
    # lint: allow message-query -- demo data only: dates what the services just wrote
    messages = Message.objects.filter(collab=collab)
    earlier = messages.filter(pk__lt=sent[0].pk).order_by("pk").values_list("pk", "created")
    for n, (pk, created) in enumerate(list(earlier)):
        when = min(created, set_up + n * dt.timedelta(seconds=10))
        messages.filter(pk=pk).update(created=when, updated=when)
    Collab.objects.filter(pk=collab.pk, created__gt=set_up).update(created=set_up)
    Membership.objects.filter(collab=collab, joined_at__gt=set_up).update(joined_at=set_up)
    for line, message, when in zip(conversation.lines, sent, times, strict=True):
        updated = when
        if line.reactions:
            updated = when + REACTED_AFTER
            Reaction.objects.filter(message=message).update(created=updated)
        pinned_at = None
        if line.pinned_by:
            pinned_at = updated = when + PINNED_AFTER
        messages.filter(pk=message.pk).update(created=when, updated=updated, pinned_at=pinned_at)
        MessageLink.objects.filter(message=message).update(created=when)
