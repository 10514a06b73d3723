"""Names are one line. A line break in a name once made every email carrying it fail
(Django refuses a header with a line break: BadHeaderError): the invitations of a collab, the
guest-expiry warning (which then lost its claim for good). Names are normalized where they come
in, subjects where they are built, and a job whose email fails gives its claim back."""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.mail import BadHeaderError
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import create_guest
from apps.chat import services as chat
from apps.chat.digest import send_mention_digests
from apps.collabs import services as collabs
from apps.collabs.models import Collab, Membership
from apps.core.text import SingleLineField, single_line
from apps.invitations import services as invitations
from apps.invitations.models import Invitation
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BROKEN = "Evil\r\nBcc: victim@example.com"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Ivan\r\nPetrov", "Ivan Petrov"),
        ("Ivan\nPetrov\r", "Ivan Petrov"),
        ("  Ivan\t\tPetrov  ", "Ivan Petrov"),
        ("Ivan\x00\x1fPetrov\x7f", "Ivan Petrov"),
        ("Ivan\u2028Petrov\u2029", "Ivan Petrov"),
        ("Ivan\x85\x0b\x0cPetrov", "Ivan Petrov"),
        ("Иван  Петров", "Иван Петров"),
        ("\r\n\t", ""),
    ],
)
def test_every_run_of_breaks_and_control_characters_becomes_one_space(raw, clean):
    assert single_line(raw) == clean
    assert SingleLineField(required=False).clean(raw) == clean


def test_a_name_of_only_line_breaks_is_asked_for_again():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        SingleLineField().clean("\r\n")


# At the boundary: every form and service that takes a name.


def test_the_new_collab_form_stores_the_name_on_one_line(client, owner):
    client.force_login(owner)

    client.post(reverse("collabs:create"), {"name": "Website\r\nredesign", "description": ""})

    assert Collab.objects.get().name == "Website redesign"


def test_the_settings_form_stores_the_name_on_one_line(client, collab, owner):
    from tests.collabs.pages import form_data

    client.force_login(owner)

    client.post(
        reverse("collabs:settings", args=[collab.pk]), form_data(collab, name="New\nname\u2028")
    )

    assert Collab.objects.get(pk=collab.pk).name == "New name"


def test_the_collab_services_store_the_name_on_one_line(collab, owner):
    created = collabs.create_collab(owner, name="Q3\r\nreport")
    collabs.update_collab(collab, owner, name="Re\ndesign", description="")

    assert created.name == "Q3 report"
    assert Collab.objects.get(pk=collab.pk).name == "Re design"


def test_the_profile_form_stores_the_name_on_one_line(client, member):
    client.force_login(member)

    client.post(
        reverse("accounts:profile"),
        {
            "full_name": "Marina\r\nMember",
            "timezone": "UTC",
            "language": "",
            "email_mentions": "on",
        },
    )

    member.refresh_from_db()
    assert member.full_name == "Marina Member"


def test_a_guest_signing_up_by_invitation_gets_the_name_on_one_line(
    client, collab, owner, committed
):
    with committed():
        invitations.invite_by_email(collab, owner, "ivan@example.com", name="Ivan\r\nPetrov")
    token = re.search(r"/invite/([^/\s]+)/", mail.outbox[-1].body).group(1)

    client.post(
        reverse("invitations:accept", args=[token]),
        {"full_name": "Ivan\r\nPetrov", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert User.objects.get(email="ivan@example.com").full_name == "Ivan Petrov"
    assert Invitation.objects.get().name == "Ivan Petrov"


def test_create_guest_stores_the_name_on_one_line(db):
    guest = create_guest(
        email="walk-in@example.com", full_name="Walter\nWalkin", password=PASSWORD, verified=False
    )

    assert guest.full_name == "Walter Walkin"


def test_the_admins_forms_get_the_names_on_one_line_through_the_models_clean(collab, member):
    member.full_name = "Marina\r\nMember"
    member.full_clean()
    collab.name = "Website\nredesign"
    collab.full_clean()

    assert member.full_name == "Marina Member"
    assert collab.name == "Website redesign"


def test_the_migrations_put_the_names_stored_before_on_one_line(collab, owner, member):
    User.objects.filter(pk=member.pk).update(full_name="Marina\r\nMember")
    Collab.objects.filter(pk=collab.pk).update(name="Website\nredesign")
    invitation = invitations.invite_by_email(collab, owner, "ivan@example.com", name="Ivan")
    Invitation.objects.filter(pk=invitation.pk).update(name="Ivan\u2028Petrov")

    for app, name in [
        ("accounts", "0004_single_line_names"),
        ("collabs", "0003_single_line_names"),
        ("invitations", "0002_single_line_names"),
    ]:
        importlib.import_module(f"apps.{app}.migrations.{name}").normalize(django_apps, None)

    assert User.objects.get(pk=member.pk).full_name == "Marina Member"
    assert Collab.objects.get(pk=collab.pk).name == "Website redesign"
    assert Invitation.objects.get(pk=invitation.pk).name == "Ivan Petrov"


# Names stored with a line break before the rule: every email still goes out, one-line subject.


def test_an_email_invitation_from_a_collab_named_with_a_line_break_is_sent(
    client, collab, owner, committed
):
    Collab.objects.filter(pk=collab.pk).update(name=BROKEN)
    User.objects.filter(pk=owner.pk).update(full_name="Olga\r\nOwner")
    client.force_login(owner)

    with committed():
        response = client.post(
            reverse("invitations:invite_email", args=[collab.pk]),
            {"email": "ivan@example.com", "name": ""},
        )

    assert response.status_code == 302
    [sent] = mail.outbox
    assert sent.subject == "Invitation to “Evil Bcc: victim@example.com” on CollabHub"
    assert sent.to == ["ivan@example.com"] and not sent.bcc
    assert "invites you to the collab" in sent.body
    sent.message()  # the headers are valid: building the message raises nothing
    assert Invitation.objects.filter(email="ivan@example.com").exists()


def test_the_expiry_warning_about_a_guest_named_with_a_line_break_is_sent(collab, owner, guest):
    User.objects.filter(pk=guest.pk).update(full_name=BROKEN)
    Collab.objects.filter(pk=collab.pk).update(name="Web\nsite")
    collabs.set_guest_expiry(collab, owner, guest, timezone.now() + timedelta(days=3))

    assert collabs.expire_guests() == (0, 1)

    [warning] = mail.outbox
    assert "\n" not in warning.subject and "\r" not in warning.subject
    assert "Evil Bcc: victim@example.com" in warning.subject
    warning.message()


def test_a_failing_expiry_warning_is_given_back_and_sent_by_the_next_run(
    collab, owner, guest, monkeypatch
):
    collabs.set_guest_expiry(collab, owner, guest, timezone.now() + timedelta(days=3))
    real_send = collabs.send_mail
    calls = []

    def send_once_broken(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise BadHeaderError("Header values can't contain newlines")
        return real_send(*args, **kwargs)

    monkeypatch.setattr(collabs, "send_mail", send_once_broken)

    assert collabs.expire_guests() == (0, 1)  # enqueued; the task failed and gave it back
    assert Membership.objects.get(collab=collab, user=guest).expiry_warned_at is None
    assert mail.outbox == []

    assert collabs.expire_guests() == (0, 1)
    assert len(mail.outbox) == 1
    assert Membership.objects.get(collab=collab, user=guest).expiry_warned_at is not None


def test_the_mention_digest_goes_out_with_line_breaks_in_every_name(
    settings, collab, owner, member
):
    # The site's name comes from the environment and is in the subject; the collab's and the
    # author's names are in the body.
    settings.SITE_NAME = "Collab\nHub"
    chat.send_message(collab, owner, "@Marina Member please look")
    Collab.objects.filter(pk=collab.pk).update(name=BROKEN)
    User.objects.filter(pk=owner.pk).update(full_name="Olga\r\nOwner")

    assert send_mention_digests(now=timezone.now() + timedelta(hours=1)) == 1

    [digest] = mail.outbox
    assert digest.subject == "Collab Hub: you were mentioned in a message"
    assert "please look" in digest.body
    digest.message()
