"""Mention digests: unread mentions go out in one email per person, once."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.chat import services
from apps.chat.digest import send_mention_digests
from apps.chat.models import Mention


@pytest.fixture
def later():
    return timezone.now() + timedelta(minutes=30)


def test_an_unread_mention_is_emailed_once(collab, owner, member, mailoutbox, later):
    services.send_message(collab, owner, "@Marina Member please look at the draft")
    services.send_message(collab, owner, "and @Marina Member this one too")

    assert send_mention_digests(now=later) == 1
    assert send_mention_digests(now=later) == 0

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["member@example.com"]
    assert "2 messages" in email.subject
    assert "please look at the draft" in email.body
    assert f"/collabs/{collab.pk}/?message=" in email.body


def test_nothing_is_sent_before_the_delay(collab, owner, member, mailoutbox):
    services.send_message(collab, owner, "@Marina Member quick question")
    assert send_mention_digests() == 0
    assert Mention.objects.get().notified_at is None


def test_a_mention_read_in_time_is_not_emailed(collab, owner, member, mailoutbox, later):
    message = services.send_message(collab, owner, "@Marina Member hi")
    services.mark_read(collab, member, message.pk)
    assert send_mention_digests(now=later) == 0
    assert mailoutbox == []


def test_people_who_opted_out_get_no_email(collab, owner, member, mailoutbox, later):
    member.email_mentions = False
    member.save()
    services.send_message(collab, owner, "@Marina Member hi")
    assert send_mention_digests(now=later) == 0
    assert mailoutbox == []


def test_a_removed_member_gets_no_email_about_the_collab(collab, owner, member, mailoutbox, later):
    from apps.collabs.services import remove_member

    services.send_message(collab, owner, "@Marina Member hi")
    remove_member(collab, owner, member)
    send_mention_digests(now=later)  # her task finds the mention is no news to her
    assert mailoutbox == []
    assert Mention.objects.get().notified_at is not None  # and it is not looked at again
    assert send_mention_digests(now=later) == 0


def test_the_digest_is_in_the_readers_language(collab, owner, member, mailoutbox, later):
    member.language = "ru"
    member.save()
    services.send_message(collab, owner, "@Marina Member привет")
    send_mention_digests(now=later)
    assert "упомянули" in mailoutbox[0].subject


def test_the_periodic_runner_runs_the_digest(collab, owner, member, mailoutbox, settings):
    settings.MENTION_DIGEST_DELAY_MINUTES = 0
    services.send_message(collab, owner, "@Marina Member hi")
    call_command("run_periodic", "--once")
    assert len(mailoutbox) == 1


# Each person's digest is a background task: run twice it sends once; while it waits for a
# worker the job does not queue it again.


def test_the_digest_task_run_twice_sends_once(collab, owner, member, mailoutbox, later):
    from apps.chat import tasks

    services.send_message(collab, owner, "@Marina Member please look at the draft")

    first = tasks.send_mention_digest.enqueue(member.pk, later.isoformat())
    second = tasks.send_mention_digest.enqueue(member.pk, later.isoformat())

    assert (first.return_value, second.return_value) == (True, False)
    assert len(mailoutbox) == 1


def test_while_a_digest_waits_for_a_worker_it_is_not_queued_again(
    settings, collab, owner, member, mailoutbox, later
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    services.send_message(collab, owner, "@Marina Member please look at the draft")

    assert send_mention_digests(now=later) == 1
    assert send_mention_digests(now=later + timedelta(minutes=1)) == 0

    [queued] = DBTaskResult.objects.all()
    assert queued.args_kwargs["args"][0] == member.pk
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_the_digest_is_sent_outside_any_transaction(
    collab, owner, member, mailoutbox, later, monkeypatch
):
    from django.db import connection

    from apps.chat import digest

    seen = []
    real_send = digest._send
    monkeypatch.setattr(
        digest, "_send", lambda *a: seen.append(connection.in_atomic_block) or real_send(*a)
    )
    services.send_message(collab, owner, "@Marina Member hi")

    send_mention_digests(now=later)

    assert seen == [False]
    assert len(mailoutbox) == 1
