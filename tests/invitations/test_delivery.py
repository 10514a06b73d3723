"""The invitation's email and text message leave through a background task once the
invitation is committed — never inside a transaction, never for one rolled back — and what
became of them is the invitation's delivery state: a refusal shows on the members page as
"not delivered", with the server's words and a Resend button, and nothing is lost."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.chat.models import Message
from apps.invitations import services, tasks
from apps.invitations.models import Invitation
from tests.smtp import REFUSAL

pytestmark = pytest.mark.django_db


def token_of(text: str) -> str:
    return re.search(r"/invite/([^/\s]+)/", text).group(1)


def members_page(client, collab) -> str:
    return client.get(reverse("collabs:members", args=[collab.pk])).content.decode()


def row_of(page: str, address: str) -> str:
    """The members page's row of the pending invitation to `address`."""
    rows = re.findall(r'<li class="member-row">.*?</li>', page, re.S)
    [row] = [r for r in rows if address in r]
    return row


@pytest.fixture
def refusing_smtp(smtp):
    """The tests' SMTP server, refusing ivan@example.com as an unknown user."""
    smtp.refused.add("ivan@example.com")
    return smtp


class WatchingBackend(EmailBackend):
    """The test backend (mail.outbox), noting whether each send happened in a transaction."""

    in_transaction: list[bool] = []

    def send_messages(self, messages):
        WatchingBackend.in_transaction.append(connection.in_atomic_block)
        return super().send_messages(messages)


class WatchingSms:
    in_transaction: list[bool] = []
    sent: list[str] = []

    def send(self, to: str, text: str) -> None:
        WatchingSms.in_transaction.append(connection.in_atomic_block)
        WatchingSms.sent.append(text)


@pytest.fixture
def watching(settings):
    settings.EMAIL_BACKEND = f"{__name__}.WatchingBackend"
    settings.SMS_BACKEND = f"{__name__}.WatchingSms"
    WatchingBackend.in_transaction = []
    WatchingSms.in_transaction, WatchingSms.sent = [], []


@pytest.mark.django_db(transaction=True)
def test_the_email_and_the_text_go_out_after_the_commit_outside_any_transaction(
    watching, collab, owner
):
    by_email = services.invite_by_email(collab, owner, "ivan@example.com", name="Ivan")
    by_phone = services.invite_by_phone(collab, owner, "+79991234567", name="Petr")

    assert WatchingBackend.in_transaction == [False]
    assert WatchingSms.in_transaction == [False]
    assert [m.to for m in mail.outbox] == [["ivan@example.com"]]
    for invitation in (by_email, by_phone):
        invitation.refresh_from_db()
        assert invitation.delivery == Invitation.Delivery.SENT
    # Each link works: the token was made as the message was sent.
    assert services.find(token_of(mail.outbox[0].body)) == by_email
    assert services.find(token_of(WatchingSms.sent[0])) == by_phone


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_for_an_invitation_rolled_back(watching, collab, owner):
    class Undone(Exception):
        pass

    with pytest.raises(Undone), transaction.atomic():
        services.invite_by_email(collab, owner, "ivan@example.com")
        services.invite_by_phone(collab, owner, "+79991234567")
        raise Undone

    assert mail.outbox == []
    assert WatchingSms.sent == []
    assert not Invitation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_refusing_mail_server_leaves_the_invitation_not_delivered_with_a_resend(
    client, refusing_smtp, collab, owner
):
    client.force_login(owner)

    response = client.post(
        reverse("invitations:invite_email", args=[collab.pk]),
        {"email": "ivan@example.com", "name": "Ivan Petrov"},
        follow=True,
    )

    # The inviter is told at once, in the server's words, and the invitation is kept.
    text = response.content.decode()
    assert "The invitation to ivan@example.com was not delivered: " + REFUSAL in text
    invitation = Invitation.objects.get()
    assert invitation.delivery == Invitation.Delivery.FAILED
    assert invitation.delivery_error == REFUSAL
    assert Message.objects.filter(collab=collab, system_type="invited").exists()
    # The members page says so beside it, with a Resend button named for the invitee.
    row = row_of(members_page(client, collab), "ivan@example.com")
    assert "not delivered" in row and REFUSAL in row
    assert 'aria-label="Send the invitation of Ivan Petrov &lt;ivan@example.com&gt; again"' in row
    assert ">Resend</button>" in row

    # The mail server is put right; the inviter resends and the invitation arrives.
    inbox = refusing_smtp
    inbox.refused.clear()
    resent = client.post(
        reverse("invitations:resend", args=[collab.pk, invitation.pk]), follow=True
    )

    assert "The invitation is sent again to ivan@example.com." in resent.content.decode()
    invitation.refresh_from_db()
    assert invitation.delivery == Invitation.Delivery.SENT
    assert invitation.delivery_error == ""
    link = re.search(r"https?://\S+/invite/\S+/", inbox.text(inbox.wait_for("ivan@example.com")))
    row = row_of(members_page(client, collab), "ivan@example.com")
    assert "not delivered" not in row and "invitation not accepted" in row
    client.logout()
    assert client.get(urlsplit(link.group(0)).path).status_code == 200


def test_the_delivery_task_run_twice_sends_once(collab, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():  # what the commit would enqueue: left out
        invitation = services.invite_by_email(collab, owner, "ivan@example.com")
    assert mail.outbox == []

    first = tasks.deliver_invitation.enqueue(invitation.pk)
    second = tasks.deliver_invitation.enqueue(invitation.pk)

    assert (first.return_value, second.return_value) == ("sent", "skipped")
    assert len(mail.outbox) == 1
    assert services.find(token_of(mail.outbox[0].body)) == invitation


def test_a_resend_while_the_first_sending_waits_sends_one_email_whose_link_works(
    collab, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as first:
        invitation = services.invite_by_email(collab, owner, "ivan@example.com")
    with django_capture_on_commit_callbacks() as second:
        services.resend(collab, owner, invitation.pk)

    for callback in first + second:  # the worker gets to both tasks
        callback()

    [sent] = mail.outbox
    assert services.find(token_of(sent.body)) == invitation


def test_an_invitation_revoked_while_its_task_waits_is_not_sent(
    collab, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as waiting:
        invitation = services.invite_by_email(collab, owner, "ivan@example.com")
    services.revoke(collab, owner, invitation.pk)

    for callback in waiting:
        callback()

    assert mail.outbox == []


def test_a_task_that_breaks_records_it_and_the_invitation_stays_resendable(
    collab, owner, monkeypatch, committed, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ValueError("template exploded")

    monkeypatch.setattr(services, "render_to_string", broken)
    with django_capture_on_commit_callbacks():
        invitation = services.invite_by_email(collab, owner, "ivan@example.com")

    result = tasks.deliver_invitation.enqueue(invitation.pk)

    assert result.status == "FAILED"  # the bug is in the task's result, for the operator
    invitation.refresh_from_db()
    assert invitation.delivery == Invitation.Delivery.FAILED
    assert invitation.delivery_error == "template exploded"
    monkeypatch.undo()
    with committed():
        services.resend(collab, owner, invitation.pk)
    invitation.refresh_from_db()
    assert invitation.delivery == Invitation.Delivery.SENT
    assert len(mail.outbox) == 1


def test_the_periodic_job_sends_a_delivery_lost_before_the_queue_and_gives_up_on_one_cut_off(
    client, collab, owner, django_capture_on_commit_callbacks
):
    # A crash between the commit and the enqueue: the task never reached the queue.
    with django_capture_on_commit_callbacks():
        lost = services.invite_by_email(collab, owner, "lost@example.com")
    # A worker killed while sending: the invitation stays "being sent".
    with django_capture_on_commit_callbacks():
        cut = services.invite_by_email(collab, owner, "cut@example.com", name="Cut Off")
    long_ago = timezone.now() - timedelta(minutes=20)
    Invitation.objects.filter(pk=lost.pk).update(delivery_changed=long_ago)
    Invitation.objects.filter(pk=cut.pk).update(delivery="sending", delivery_changed=long_ago)

    call_command("deliver_invitations")

    assert [m.to for m in mail.outbox] == [["lost@example.com"]]
    lost.refresh_from_db()
    cut.refresh_from_db()
    assert lost.delivery == Invitation.Delivery.SENT
    assert cut.delivery == Invitation.Delivery.FAILED  # maybe sent, maybe not: the inviter sees
    client.force_login(owner)
    row = row_of(members_page(client, collab), "cut@example.com")
    assert "not delivered" in row and "the sending broke off" in row
    assert 'aria-label="Send the invitation of Cut Off &lt;cut@example.com&gt; again"' in row
    # Run again: nothing more happens.
    call_command("deliver_invitations")
    assert len(mail.outbox) == 1


def test_a_fresh_delivery_is_left_to_its_task(collab, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        invitation = services.invite_by_email(collab, owner, "ivan@example.com")

    assert services.deliver_stalled() == (0, 0)

    invitation.refresh_from_db()
    assert invitation.delivery == Invitation.Delivery.QUEUED
    assert mail.outbox == []


def test_with_the_database_backend_the_queue_holds_only_the_invitations_id(
    settings, client, collab, owner, committed
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    with committed():
        invitation = services.invite_by_email(collab, owner, "ivan@example.com")

    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "apps.invitations.tasks.deliver_invitation"
    assert queued.args_kwargs == {"args": [invitation.pk], "kwargs": {}}
    assert queued.status == "READY"
    assert mail.outbox == []  # a worker sends it (tests/core/test_background.py)
    client.force_login(owner)
    row = row_of(members_page(client, collab), "ivan@example.com")
    assert "being sent" in row and "not delivered" not in row


@pytest.mark.django_db(transaction=True)
def test_with_a_worker_the_inviter_is_told_the_invitation_is_being_sent(
    settings, client, collab, owner
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(owner)

    response = client.post(
        reverse("invitations:invite_email", args=[collab.pk]),
        {"email": "ivan@example.com", "name": ""},
        follow=True,
    )

    text = response.content.decode()
    assert (
        "The invitation to ivan@example.com is being sent; reload the page to see whether it "
        "went out." in text
    )
    assert "being sent" in row_of(text, "ivan@example.com")
    assert mail.outbox == []
