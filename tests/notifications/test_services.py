"""The service: who is told, who sees what, read marks, and the email."""

import pytest
from django.db import transaction

from apps.collabs import services as collabs
from apps.notifications import services
from apps.notifications.models import Notification
from tests.notifications.conftest import DEMO, QUIET


def test_it_tells_everyone_but_the_actor(collab, owner, member, guest, tell):
    written = tell([owner, member, guest], collab=collab, actor=owner)
    assert sorted(n.user_id for n in written) == sorted([member.pk, guest.pk])
    assert services.unread_count(owner) == 0
    assert services.unread_count(member) == 1


def test_it_skips_inactive_people(collab, owner, member, deactivated, tell):
    tell([member, deactivated], collab=collab, actor=owner)
    assert not Notification.objects.filter(user=deactivated).exists()


def test_it_tells_each_person_once(owner, member, tell):
    tell([member, member], actor=owner)
    assert Notification.objects.filter(user=member).count() == 1


def test_an_unregistered_kind_is_refused(member):
    with pytest.raises(LookupError):
        services.notify([member], "no_such_kind")


def test_the_text_is_rendered_in_the_readers_language(member, tell):
    from django.utils import translation

    notification = tell([member], name="Boris")[0]
    with translation.override("ru"):
        assert notification.text == "Boris теперь в коллабе"
    assert notification.text == "Boris joined"


def test_a_removed_member_no_longer_sees_notifications_about_the_collab(
    collab, owner, member, tell
):
    tell([member], collab=collab, actor=owner)
    tell([member], actor=owner)  # about no collab: stays
    assert services.unread_count(member) == 2
    collabs.remove_member(collab, owner, member)
    assert services.unread_count(member) == 1
    items, _ = services.page(member)
    assert [n.collab_id for n in items] == [None]


def test_a_deactivated_person_sees_nothing(member, owner, tell):
    tell([member], actor=owner)
    member.is_active = False
    member.save()
    assert services.unread_count(member) == 0
    assert services.page(member) == ([], None)


def test_mark_read_marks_only_the_persons_own(owner, member, guest, tell):
    mine = tell([member], actor=owner)[0]
    theirs = tell([guest], actor=owner)[0]

    assert services.mark_read(member, [theirs.pk]) == 0  # another person's id does nothing
    theirs.refresh_from_db()
    assert theirs.read_at is None

    assert services.mark_read(member, [mine.pk, theirs.pk]) == 1
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert services.unread_count(guest) == 1


def test_mark_all_read(owner, member, guest, tell):
    tell([member, guest], actor=owner)
    tell([member], actor=owner)
    assert services.mark_all_read(member) == 2
    assert services.unread_count(member) == 0
    assert services.unread_count(guest) == 1


def test_pages_are_keyset_newest_first(owner, member, tell):
    for i in range(5):
        tell([member], actor=owner, name=f"P{i}")
    first, cursor = services.page(member, size=2)
    assert [n.data["name"] for n in first] == ["P4", "P3"]
    second, cursor = services.page(member, cursor, size=2)
    assert [n.data["name"] for n in second] == ["P2", "P1"]
    third, cursor = services.page(member, cursor, size=2)
    assert [n.data["name"] for n in third] == ["P0"]
    assert cursor is None


@pytest.mark.parametrize("cursor", ["", "x", "1-", "-1", "99999999999999999999999-1", "1-0"])
def test_a_malformed_cursor_gives_the_first_page(owner, member, tell, cursor):
    tell([member], actor=owner)
    assert len(services.page(member, cursor)[0]) == 1


# --- Email, over real SMTP --------------------------------------------------------------------


def test_the_email_goes_in_the_readers_language(owner, member, smtp, committed, tell):
    member.language = "ru"
    member.save()
    with committed():
        tell([member], actor=owner, name="Boris", url="/collabs/")
    message = smtp.wait_for("member@example.com")
    assert "Boris теперь в коллабе" in message["Subject"]
    body = smtp.text(message)
    assert "Здравствуйте" in body
    assert "Boris теперь в коллабе" in body
    assert "/collabs/" in body
    assert "/notifications/settings/" in body


def test_the_email_goes_once(owner, member, smtp, committed, tell):
    from apps.notifications import emails

    with committed():
        notification = tell([member], actor=owner)[0]
    smtp.wait_for("member@example.com")
    assert emails.send(notification.pk) is False  # claimed already
    assert len(smtp.messages) == 1


def test_an_opted_out_person_gets_no_email(owner, member, guest, smtp, committed, tell):
    services.set_email_preferences(member, [])
    assert not services.wants_email(member, DEMO)
    with committed():
        tell([member, guest], actor=owner)
    smtp.wait_for("guest@example.com")
    assert [str(m["To"]) for m in smtp.messages] == ["guest@example.com"]


def test_opting_out_after_the_notification_still_stops_the_email(owner, member, smtp, tell):
    from apps.notifications import emails

    notification = tell([member], actor=owner)[0]  # the task waits for a commit that never comes
    services.set_email_preferences(member, [])
    assert emails.send(notification.pk) is False
    assert smtp.messages == []


def test_opting_back_in(member):
    services.set_email_preferences(member, [])
    services.set_email_preferences(member, [DEMO])
    assert services.wants_email(member, DEMO)
    assert services.emailed_kinds(member) == {DEMO}


def test_a_kind_without_email_is_never_emailed(owner, member, smtp, committed, tell):
    with committed():
        tell([member], actor=owner, kind=QUIET)
    assert smtp.messages == []


def test_an_unproven_address_gets_no_email(owner, member, smtp, committed, tell):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=member).update(verified=False)
    with committed():
        tell([member], actor=owner)
    assert smtp.messages == []


def test_no_email_for_a_notification_read_before_it_went(owner, member, smtp, tell):
    from apps.notifications import emails

    notification = tell([member], actor=owner)[0]
    services.mark_read(member, [notification.pk])
    assert emails.send(notification.pk) is False


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_notifies_nobody(owner, member, smtp):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify([member], DEMO, actor=owner, data={"name": "X"})
        raise RuntimeError
    assert not Notification.objects.exists()
    assert smtp.messages == []
