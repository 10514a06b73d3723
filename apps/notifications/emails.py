"""Emailing a notification, in its reader's language.

The task claims the notification (`emailed_at`, a conditional UPDATE) before sending and gives
the claim back when the send fails, so run twice it sends once. It asks again, as of now,
everything that decides whether the email goes: the kind still emails, the person has not
opted out (the preferences page), may be emailed (active, address proven:
apps.accounts.verification.may_email), has not read it already, and may still see it (still
in its collab).
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from apps.accounts.verification import may_email
from apps.core.text import single_line

from . import kinds
from .models import EmailOptOut, Notification
from .services import visible

logger = logging.getLogger(__name__)


def send(notification_id: int) -> bool:
    """True when the email went out."""
    claimed = Notification.objects.filter(
        pk=notification_id, emailed_at__isnull=True, read_at__isnull=True
    ).update(emailed_at=timezone.now())
    if not claimed:
        return False
    notification = (
        Notification.objects.select_related("user", "collab").filter(pk=notification_id).first()
    )
    if notification is None:
        return False
    user = notification.user
    kind = kinds.get_kind(notification.kind)
    if kind is None or not kind.email or not may_email(user):
        return False
    if EmailOptOut.objects.filter(user=user, kind=notification.kind).exists():
        return False
    if not visible(user).filter(pk=notification.pk).exists():
        return False
    try:
        _send(user, notification, kind)
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        logger.exception("notification email %s failed", notification_id)
        return False
    return True


def _send(user, notification: Notification, kind) -> None:
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        data = notification.data or {}
        context = {
            "user": user,
            "site_name": settings.SITE_NAME,
            "text": kind.body(data),
            "collab": notification.collab.name if notification.collab else "",
            "url": f"{settings.SITE_URL}{notification.url}" if notification.url else "",
            "settings_url": f"{settings.SITE_URL}{reverse('notifications:settings')}",
        }
        subject = single_line(f"{settings.SITE_NAME}: {kind.subject(data)}")
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    email = EmailMultiAlternatives(subject, text, to=[user.email])
    email.attach_alternative(html, "text/html")
    email.send()
