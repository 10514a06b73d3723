"""Django admin: administrators create employees and find users, collabs and memberships."""

from apps.accounts.models import User
from tests.conftest import make_user


def test_every_admin_page_of_ours_opens_for_staff(client, collab, owner):
    admin = make_user("root@example.com", "Root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    membership = owner.memberships.first()
    for url in [
        "/admin/accounts/user/",
        "/admin/accounts/user/?q=olga&kind__exact=employee&is_active__exact=1",
        "/admin/accounts/user/add/",
        f"/admin/accounts/user/{owner.pk}/change/",
        "/admin/accounts/auditevent/",
        "/admin/collabs/collab/?q=website",
        "/admin/collabs/collab/add/",
        f"/admin/collabs/collab/{collab.pk}/change/",
        "/admin/collabs/membership/?role__exact=guest",
        f"/admin/collabs/membership/{membership.pk}/change/",
        "/admin/invitations/invitation/?delivery__exact=failed",
        "/admin/core/periodicrun/",
        "/admin/django_tasks_database/dbtaskresult/",
    ]:
        assert client.get(url).status_code == 200, url


def test_the_user_page_lists_their_memberships(client, collab, owner):
    admin = make_user("root@example.com", "Root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{owner.pk}/change/").content.decode()
    assert "Website redesign" in page


def test_an_administrator_creates_an_employee(client, db):
    admin = make_user("root@example.com", "Root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New@Example.com",
            "full_name": "New Person",
            "kind": "employee",
            "password1": "a-Long-passw0rd!",
            "password2": "a-Long-passw0rd!",
            "usable_password": "true",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.is_employee and user.is_active and user.check_password("a-Long-passw0rd!")


def test_audit_events_cannot_be_edited_or_deleted(client, collab):
    admin = make_user("root@example.com", "Root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    from apps.accounts.models import AuditEvent

    event = AuditEvent.objects.first()
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403
    assert client.post(f"/admin/accounts/auditevent/{event.pk}/delete/").status_code == 403


def test_a_new_employee_confirms_their_email_on_first_sign_in(client, db, mailoutbox):
    User.objects.create_user("fresh@example.com", "a-Long-passw0rd!", full_name="Fresh Face")
    response = client.post(
        "/accounts/login/", {"login": "fresh@example.com", "password": "a-Long-passw0rd!"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get("/collabs/").status_code == 302  # not signed in yet
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["fresh@example.com"]
    link = next(
        line for line in mailoutbox[0].body.splitlines() if "/accounts/confirm-email/" in line
    )
    path = link[link.index("/accounts/confirm-email/") :].strip()
    assert client.post(path).status_code == 302
    response = client.post(
        "/accounts/login/", {"login": "fresh@example.com", "password": "a-Long-passw0rd!"}
    )
    assert response.status_code == 302
    assert client.get("/collabs/").status_code == 200
