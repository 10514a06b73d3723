"""A guest's access with an end date: the periodic job removes them on that date (sockets
closed, a system message) and warns whoever added them five days before, once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.chat.models import Message
from apps.collabs import live, services
from apps.collabs.models import Membership

pytestmark = pytest.mark.django_db


def stint(collab, user) -> Membership:
    return Membership.objects.filter(collab=collab, user=user).latest("joined_at")


def test_a_moderator_sets_a_guests_end_date(collab, moderator, guest):
    until = timezone.now() + timedelta(days=30)

    services.set_guest_expiry(collab, moderator, guest, until)

    assert stint(collab, guest).expires_at == until


def test_only_guests_get_an_end_date_and_only_in_the_future(collab, owner, member, guest):
    with pytest.raises(ValidationError, match="Only a guest"):
        services.set_guest_expiry(collab, owner, member, timezone.now() + timedelta(days=1))
    with pytest.raises(ValidationError, match="in the future"):
        services.set_guest_expiry(collab, owner, guest, timezone.now() - timedelta(days=1))


def test_a_member_or_the_guest_cannot_set_it(collab, member, guest):
    for actor in (member, guest):
        with pytest.raises(PermissionDenied):
            services.set_guest_expiry(collab, actor, guest, timezone.now() + timedelta(days=1))


def test_the_job_removes_a_guest_whose_access_ended(
    collab, owner, guest, monkeypatch, django_capture_on_commit_callbacks
):
    revoked = []
    monkeypatch.setattr(live, "revoke", lambda user_id, collab_id=None: revoked.append(user_id))
    services.set_guest_expiry(collab, owner, guest, timezone.now() + timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        removed, _warned = services.expire_guests(timezone.now() + timedelta(days=2))

    assert removed == 1
    ended = stint(collab, guest)
    assert ended.left_at is not None and ended.left_reason == "expired"
    assert revoked == [guest.pk]
    assert Message.objects.filter(collab=collab, system_type="member_expired").exists()
    # Run again: nothing more happens.
    assert services.expire_guests(timezone.now() + timedelta(days=2)) == (0, 0)


def test_the_job_warns_the_inviter_five_days_before_once(collab, owner, guest):
    services.set_guest_expiry(collab, owner, guest, timezone.now() + timedelta(days=4))

    assert services.expire_guests() == (0, 1)
    assert services.expire_guests() == (0, 0)

    [warning] = mail.outbox
    assert warning.to == [owner.email]
    assert guest.full_name in warning.subject
    assert reverse("collabs:members", args=[collab.pk]) in warning.body
    assert Membership.objects.active().filter(collab=collab, user=guest).exists()


def test_nothing_is_warned_or_removed_far_from_the_date(collab, owner, guest):
    services.set_guest_expiry(collab, owner, guest, timezone.now() + timedelta(days=30))

    call_command("expire_guests")

    assert mail.outbox == []
    assert Membership.objects.active().filter(collab=collab, user=guest).exists()


def test_the_members_page_sets_the_date_in_the_moderators_time_zone(client, collab, owner, guest):
    owner.timezone = "Europe/Moscow"
    owner.save()
    client.force_login(owner)
    day = (timezone.now() + timedelta(days=10)).date()

    client.post(
        reverse("collabs:member_expiry", args=[collab.pk, guest.pk]), {"until": day.isoformat()}
    )

    until = stint(collab, guest).expires_at
    assert until.astimezone(timezone.get_fixed_timezone(180)).date() == day
    page = client.get(reverse("collabs:members", args=[collab.pk])).content.decode()
    # The moderator reads the date in the picker itself (labelled "Access until").
    assert f'name="until" id="until-{guest.pk}" value="{day.isoformat()}"' in page


def test_a_malformed_date_is_a_message_and_changes_nothing(client, collab, owner, guest):
    client.force_login(owner)

    response = client.post(
        reverse("collabs:member_expiry", args=[collab.pk, guest.pk]),
        {"until": "31.02.2027"},
        follow=True,
    )

    assert "Pick a date" in response.content.decode()
    assert stint(collab, guest).expires_at is None


def test_the_warning_task_run_twice_warns_once(collab, owner, guest):
    from apps.collabs import tasks

    services.set_guest_expiry(collab, owner, guest, timezone.now() + timedelta(days=4))
    membership = stint(collab, guest)
    now = timezone.now().isoformat()

    first = tasks.warn_guest_expiry.enqueue(membership.pk, now)
    second = tasks.warn_guest_expiry.enqueue(membership.pk, now)

    assert (first.return_value, second.return_value) == (True, False)
    assert len(mail.outbox) == 1
