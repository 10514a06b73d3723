"""Every change to notifications, and the queries that read them.

Features tell people things with `notify(...)`, inside their own service's transaction: the
rows are written with the change; once it commits, each recipient's open pages hear their new
unread count (apps.collabs.live.publish_to_user) and the emails go to the background
(apps.core.background.after_commit; tasks.py). A rolled-back change notifies nobody.

Who sees what: a person sees their own notifications, except those about a collab they are no
longer in (`visible`): a removed member stops seeing what happened there, as they stop seeing
the collab. A deactivated person sees nothing (and is signed out anyway).
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.collabs import live
from apps.collabs.models import Membership
from apps.core.background import after_commit

from . import kinds, tasks
from .models import EmailOptOut, Notification

# What the page's script listens for (static/js/notifications.js): {"unread": n}.
LIVE_KIND = "notifications.unread"
PAGE_SIZE = 20
PANEL_SIZE = 8


def _in_collab_now(user_ref) -> Q:
    """Notifications about no collab, or about one the person is in now (one subquery)."""
    return Q(collab__isnull=True) | Q(
        Exists(
            Membership.objects.active().filter(collab_id=OuterRef("collab_id"), user_id=user_ref)
        )
    )


def visible(user) -> QuerySet:
    """The notifications the person may see: their own, about no collab or about a collab they
    are in now; none at all for a signed-out or deactivated person."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    return Notification.objects.filter(_in_collab_now(user.pk), user=user)


def unread_count(user) -> int:
    """The bell's badge: one query on the index of unread rows."""
    if user is None or not user.is_authenticated or not user.is_active:
        return 0
    return visible(user).filter(read_at__isnull=True).count()


# --- Pages, newest first: keyset on (created, id) -------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def cursor_of(notification: Notification) -> str:
    """The position after which the next (older) page starts: "<microseconds>-<id>"."""
    micros = (notification.created - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}-{notification.pk}"


def parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    """(created, id) from a cursor, or None for a missing or malformed one (the first page)."""
    if not value or len(value) > 64:
        return None
    micros, _, pk = value.partition("-")
    try:
        micros_n, pk_n = int(micros), int(pk)
        if pk_n <= 0 or not 0 <= micros_n < 2**62:
            return None
        return _EPOCH + timedelta(microseconds=micros_n), pk_n
    except (ValueError, OverflowError):
        return None


def page(user, before: str | None = None, size: int = PAGE_SIZE) -> tuple[list, str | None]:
    """A page of the person's notifications, newest first, older than the cursor `before`;
    and the cursor of the next page (None when this is the last). One query."""
    rows = visible(user).select_related("collab").order_by("-created", "-id")
    position = parse_cursor(before)
    if position is not None:
        created, pk = position
        rows = rows.filter(Q(created__lt=created) | Q(created=created, pk__lt=pk))
    found = list(rows[: size + 1])
    more = len(found) > size
    found = found[:size]
    return found, (cursor_of(found[-1]) if more and found else None)


# --- Changes ----------------------------------------------------------------------------------


def notify(
    users: Iterable,  # of users or their ids
    kind: str,
    *,
    collab=None,
    actor=None,
    data: dict | None = None,
    url: str = "",
) -> list[Notification]:
    """Tell `users` about something of a registered `kind`. Call it inside the service's
    transaction. The actor is never told of their own action, nor is anyone inactive; each
    person once. Once the transaction commits, the recipients' pages hear their unread counts,
    and those who get email of the kind (the kind allows it and they did not opt out) are
    emailed in the background, in their language. Returns the notifications written."""
    registered = kinds.get_kind(kind)
    if registered is None:
        raise LookupError(f"Notification kind not registered: {kind}")
    actor_id = getattr(actor, "pk", actor)
    wanted = {getattr(user, "pk", user) for user in users} - {actor_id}
    # Whether each is active as of now (one query), not as the caller's objects say.
    seen = set(
        get_user_model().objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True)
    )
    recipients = sorted(seen)
    if not recipients:
        return []
    now = timezone.now()
    created = Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                collab=collab,
                kind=kind,
                actor_id=actor_id,
                data=data or {},
                url=url,
                created=now,
            )
            for user_id in recipients
        ]
    )
    if registered.email:
        quiet = set(
            EmailOptOut.objects.filter(user__in=seen, kind=kind).values_list("user_id", flat=True)
        )
        for notification in created:
            if notification.user_id not in quiet:
                after_commit(tasks.send_notification_email, notification.pk)
    _publish_counts_on_commit(seen)
    return created


def _publish_counts_on_commit(user_ids: Iterable[int]) -> None:
    ids = sorted(set(user_ids))
    transaction.on_commit(lambda: publish_counts(ids), robust=True)


def publish_counts(user_ids: list[int]) -> None:
    """Send each person their unread count (one query for all of them)."""
    rows = (
        Notification.objects.filter(_in_collab_now(OuterRef("user_id")), user_id__in=user_ids)
        .filter(read_at__isnull=True, user__is_active=True)
        .values("user_id")
        .annotate(n=Count("pk"))
    )
    counts = {row["user_id"]: row["n"] for row in rows}
    for user_id in user_ids:
        live.publish_to_user(user_id, LIVE_KIND, {"unread": counts.get(user_id, 0)}, now=True)


@transaction.atomic
def mark_read(user, ids: Iterable[int]) -> int:
    """Mark the person's own notifications among `ids` read; anybody else's are left alone
    (the filter is on the person). Returns how many changed."""
    wanted = [i for i in ids if isinstance(i, int) and i > 0][:500]
    if not wanted or not user.is_authenticated:
        return 0
    changed = Notification.objects.filter(user=user, pk__in=wanted, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if changed:
        _publish_counts_on_commit([user.pk])
    return changed


@transaction.atomic
def mark_all_read(user) -> int:
    """Mark every notification of the person read. Returns how many changed."""
    if not user.is_authenticated:
        return 0
    changed = Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if changed:
        _publish_counts_on_commit([user.pk])
    return changed


def open_notification(user, notification_id: int) -> Notification | None:
    """The person's visible notification, marked read (following its link); None when it is
    not theirs or not visible to them."""
    with transaction.atomic():
        notification = visible(user).filter(pk=notification_id).first()
        if notification is None:
            return None
        if notification.read_at is None:
            mark_read(user, [notification.pk])
    return notification


# --- Email preferences ------------------------------------------------------------------------


def emailed_kinds(user) -> set[str]:
    """The keys of the kinds that may be emailed and the person has not opted out of."""
    quiet = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return {kind.key for kind in kinds.email_kinds()} - quiet


def wants_email(user, kind: str) -> bool:
    registered = kinds.get_kind(kind)
    if registered is None or not registered.email:
        return False
    return not EmailOptOut.objects.filter(user=user, kind=kind).exists()


@transaction.atomic
def set_email_preferences(user, emailed: Iterable[str]) -> None:
    """Save the preferences page: email of the kinds in `emailed`, none of the other kinds
    that may be emailed. Kinds no installed feature registers are left as they were."""
    emailed = set(emailed)
    keys = {kind.key for kind in kinds.email_kinds()}
    EmailOptOut.objects.filter(user=user, kind__in=keys & emailed).delete()
    EmailOptOut.objects.bulk_create(
        [EmailOptOut(user=user, kind=key) for key in sorted(keys - emailed)],
        ignore_conflicts=True,
    )
