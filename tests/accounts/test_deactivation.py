"""Deactivating a user takes away everything at once: the flag, every signed-in session, and an
audit record; the admin's bulk action and its change form both go through the same service.
(Closing the user's open WebSockets is tested in tests/core/test_live.py.)"""

from html.parser import HTMLParser

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from apps.accounts.models import AuditEvent, User, UserSession
from apps.accounts.services import deactivate_user, reactivate_user
from tests.conftest import PASSWORD, make_user

LOGIN_URL = "/accounts/login/"
COLLABS_URL = "/collabs/"


def signed_in_client(email: str) -> Client:
    """A browser that signed in through the real login form (not force_login)."""
    client = Client()
    response = client.post(LOGIN_URL, {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    assert client.get(COLLABS_URL).status_code == 200
    return client


def session_key(client: Client) -> str:
    return client.cookies["sessionid"].value


def assert_signed_out(client: Client) -> None:
    response = client.get(COLLABS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.fixture
def admin_user(db) -> User:
    user = make_user("root@example.com", "Root Admin", is_staff=True, is_superuser=True)
    return user


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


# The service itself.


def test_deactivate_user_flips_flag_and_records_time(member, owner):
    assert member.is_active and member.deactivated_at is None

    deactivate_user(member, actor=owner)

    member.refresh_from_db()
    assert member.is_active is False
    assert member.deactivated_at is not None


def test_deactivate_user_writes_audit_event(member, owner):
    deactivate_user(member, actor=owner)

    event = AuditEvent.objects.get(action=AuditEvent.Action.USER_DEACTIVATED, target_user=member)
    assert event.actor == owner
    assert event.target_user == member


def test_deactivate_user_is_idempotent(member, owner):
    deactivate_user(member, actor=owner)
    deactivate_user(member, actor=owner)

    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.USER_DEACTIVATED, target_user=member
        ).count()
        == 1
    )


def test_deactivation_ends_every_session_of_the_user(member, owner):
    laptop = signed_in_client(member.email)
    phone = signed_in_client(member.email)
    keys = [session_key(laptop), session_key(phone)]
    assert keys[0] != keys[1]
    assert Session.objects.filter(session_key__in=keys).count() == 2
    # Someone else's session is untouched.
    bystander = signed_in_client(owner.email)

    deactivate_user(member, actor=owner)

    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=member).exists()
    assert_signed_out(laptop)
    assert_signed_out(phone)
    assert bystander.get(COLLABS_URL).status_code == 200


def test_deactivation_ends_a_session_renewed_by_a_password_change(member, owner):
    client = signed_in_client(member.email)
    before = session_key(client)
    new_password = "a brand new passphrase 42"
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    # Changing the password keeps the user signed in, under a new session key.
    after = session_key(client)
    assert after != before
    assert client.get(COLLABS_URL).status_code == 200

    deactivate_user(member, actor=owner)

    assert not Session.objects.filter(session_key=after).exists()
    assert_signed_out(client)


def test_deactivated_user_cannot_sign_in_again(member, owner):
    deactivate_user(member, actor=owner)

    client = Client()
    client.post(LOGIN_URL, {"login": member.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert_signed_out(client)


def test_reactivation_restores_access(member, owner):
    deactivate_user(member, actor=owner)

    reactivate_user(member, actor=owner)

    member.refresh_from_db()
    assert member.is_active is True
    assert member.deactivated_at is None
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.USER_REACTIVATED, target_user=member, actor=owner
    ).exists()
    client = signed_in_client(member.email)
    assert client.get(COLLABS_URL).status_code == 200


def test_reactivated_member_sees_their_collab_again(collab, member, owner):
    detail = reverse("collabs:detail", args=[collab.pk])
    deactivate_user(member, actor=owner)
    reactivate_user(member, actor=owner)

    client = signed_in_client(member.email)
    assert client.get(detail).status_code == 200


# The Django admin.


def test_admin_action_deactivates_users_and_ends_their_sessions(
    admin_client, admin_user, member, guest
):
    member_clients = [signed_in_client(member.email), signed_in_client(member.email)]
    guest_client = signed_in_client(guest.email)
    keys = [session_key(c) for c in [*member_clients, guest_client]]

    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_users", "_selected_action": [member.pk, guest.pk]},
    )

    assert response.status_code == 302
    for user in (member, guest):
        user.refresh_from_db()
        assert user.is_active is False
        assert user.deactivated_at is not None
        assert AuditEvent.objects.filter(
            action=AuditEvent.Action.USER_DEACTIVATED, target_user=user, actor=admin_user
        ).exists()
    assert not Session.objects.filter(session_key__in=keys).exists()
    for client in (*member_clients, guest_client):
        assert_signed_out(client)
    # The administrator is still signed in.
    assert admin_client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_admin_action_reactivates_users(admin_client, admin_user, member):
    deactivate_user(member, actor=admin_user)

    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reactivate_users", "_selected_action": [member.pk]},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_active is True
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.USER_REACTIVATED, target_user=member, actor=admin_user
    ).exists()
    assert signed_in_client(member.email).get(COLLABS_URL).status_code == 200


def admin_errors(response) -> object:
    if not response.context:
        return response
    return (
        response.context["adminform"].form.errors,
        [f.formset.errors for f in response.context.get("inline_admin_formsets", [])],
    )


class _FormFields(HTMLParser):
    """What a browser would submit from the form with the given id: checked boxes only,
    selected options, textareas; the admin's inline templates (__prefix__) left out."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            for value in chosen or [value for value, _ in self._options[:1]]:
                self.fields.append((self._select, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None


def change_form_data(client: Client, url: str, **overrides) -> dict:
    """The admin change form as the browser would post it, with some fields changed;
    an override of None unticks a checkbox (leaves the field out)."""
    response = client.get(url)
    assert response.status_code == 200
    parser = _FormFields("user_form")
    parser.feed(response.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        if "__prefix__" not in name:
            data.setdefault(name, []).append(value)
    assert "email" in data, "the change form was not found on the page"
    for name, value in overrides.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = [value]
    return data


def test_unticking_active_in_admin_form_goes_through_the_service(
    admin_client, admin_user, collab, member
):
    # member belongs to a collab, so the change page also carries their memberships.
    laptop = signed_in_client(member.email)
    key = session_key(laptop)
    url = reverse("admin:accounts_user_change", args=[member.pk])
    assert "is_active" in change_form_data(admin_client, url)

    response = admin_client.post(url, change_form_data(admin_client, url, is_active=None))

    assert response.status_code == 302, admin_errors(response)
    member.refresh_from_db()
    assert member.is_active is False
    assert member.deactivated_at is not None
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.USER_DEACTIVATED, target_user=member, actor=admin_user
    ).exists()
    assert not Session.objects.filter(session_key=key).exists()
    assert_signed_out(laptop)


def test_ticking_active_in_admin_form_reactivates_through_the_service(
    admin_client, admin_user, member
):
    deactivate_user(member, actor=admin_user)
    url = reverse("admin:accounts_user_change", args=[member.pk])
    data = change_form_data(admin_client, url)
    assert "is_active" not in data
    data["is_active"] = ["on"]

    response = admin_client.post(url, data)

    assert response.status_code == 302, admin_errors(response)
    member.refresh_from_db()
    assert member.is_active is True
    assert member.deactivated_at is None
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.USER_REACTIVATED, target_user=member, actor=admin_user
    ).exists()


def test_saving_admin_form_without_change_to_active_writes_no_audit(admin_client, member):
    url = reverse("admin:accounts_user_change", args=[member.pk])

    response = admin_client.post(
        url, change_form_data(admin_client, url, full_name="Marina Renamed")
    )

    assert response.status_code == 302, admin_errors(response)
    member.refresh_from_db()
    assert member.full_name == "Marina Renamed"
    assert member.is_active is True
    assert not AuditEvent.objects.filter(
        target_user=member, action=AuditEvent.Action.USER_DEACTIVATED
    ).exists()
