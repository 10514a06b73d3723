"""Mention digests: a member mentioned in a message they have not read within
MENTION_DIGEST_DELAY_MINUTES gets one email listing those mentions (batched per person, in
their language). Reading a mention in time marks it done (services.mark_read), so people who
are online and reading get no email. Opt-out: the profile's "email me about mentions".
Nothing goes to an address its owner has not proven (apps.accounts.verification): their mentions
wait, unclaimed, and go out in the first digest after they confirm it.

The periodic job finds who is due; each person's email is a background task (tasks.py)."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from apps.accounts.verification import may_email, unverified
from apps.collabs.models import Membership
from apps.core.background import enqueue_once
from apps.core.text import render_subject

from . import tasks
from .markup import excerpt
from .models import Mention, ReadState

logger = logging.getLogger(__name__)
MAX_ITEMS = 20


def _still_news(mention: Mention, read_to: dict, memberships: set) -> bool:
    message = mention.message
    return (
        (mention.collab_id, mention.user_id) in memberships
        and not message.is_deleted
        and message.pk > read_to.get((mention.collab_id, mention.user_id), 0)
    )


def _due(now):
    cutoff = now - timedelta(minutes=settings.MENTION_DIGEST_DELAY_MINUTES)
    return Mention.objects.filter(notified_at__isnull=True, message__created__lte=cutoff).exclude(
        unverified("user_id", "user__email")
    )


def send_mention_digests(now=None) -> int:
    """The periodic job: one digest task (tasks.send_mention_digest) for each person with
    mentions due; returns how many were enqueued. The mentions of people who get no email
    (deactivated, or opted out) are marked done here, with no task. Safe to run twice at once
    or in a row: the task claims the mentions before sending."""
    now = now or timezone.now()
    due = _due(now)
    quiet = Q(user__is_active=False) | Q(user__email_mentions=False)
    Mention.objects.filter(pk__in=due.filter(quiet).values("pk")).update(notified_at=now)
    user_ids = list(due.values_list("user_id", flat=True).distinct()[:1000])
    return sum(
        enqueue_once(tasks.send_mention_digest, user_id, now.isoformat(), key=str(user_id))
        for user_id in user_ids
    )


def send_digest_to(user_id: int, now: datetime) -> bool:
    """The digest task's work: claim the person's due mentions (notified_at set, in a
    transaction of its own, skipping any another run holds), then send one email about those
    still unread, outside the transaction. On failure the mentions are given back, so the
    next run tries again. True when an email went out."""
    with transaction.atomic():
        claimed = list(
            _due(now)
            .filter(user_id=user_id)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "collab", "message__author")
            .order_by("message_id")
        )
        if not claimed:
            return False
        Mention.objects.filter(pk__in=[m.pk for m in claimed]).update(notified_at=now)
    user = claimed[0].user
    if not user.is_active or not user.email_mentions:
        return False
    if not may_email(user):  # unproven since the query above: give them back to wait
        Mention.objects.filter(pk__in=[m.pk for m in claimed]).update(notified_at=None)
        return False
    keys = {(m.collab_id, m.user_id) for m in claimed}
    read_to = {
        (r.collab_id, r.user_id): r.last_read_id
        for r in ReadState.objects.filter(user_id=user_id, collab_id__in={c for c, _ in keys})
    }
    memberships = {
        (m.collab_id, m.user_id)
        for m in Membership.objects.active().filter(
            user_id=user_id, collab_id__in={c for c, _ in keys}
        )
    }
    items = [m for m in claimed if _still_news(m, read_to, memberships)]
    if not items:
        return False
    try:
        _send(user, items)
    except Exception:
        # Give the mentions back, so the next run tries again.
        Mention.objects.filter(pk__in=[m.pk for m in items]).update(notified_at=None)
        logger.exception("mention digest to user %s failed", user_id)
        return False
    return True


def _send(user, items: list[Mention]) -> None:
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "user": user,
            "site_name": settings.SITE_NAME,
            "items": [
                {
                    "collab": m.collab.name,
                    "author": m.message.author.full_name if m.message.author else "",
                    "excerpt": excerpt(m.message.body, 200),
                    "url": f"{settings.SITE_URL}/collabs/{m.collab_id}/?message={m.message_id}"
                    f"#m{m.message_id}",
                }
                for m in items[:MAX_ITEMS]
            ],
            "more": max(len(items) - MAX_ITEMS, 0),
            "profile_url": f"{settings.SITE_URL}/me/",
        }
        subject = render_subject("chat/email/mention_digest_subject.txt", context)
        text = render_to_string("chat/email/mention_digest.txt", context)
        html = render_to_string("chat/email/mention_digest.html", context)
    email = EmailMultiAlternatives(subject, text, to=[user.email])
    email.attach_alternative(html, "text/html")
    email.send()
