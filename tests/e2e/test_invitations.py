"""Inviting a guest by email, in real browsers: the owner sends the invitation from the members
page, the email goes over SMTP to the tests' server, the guest opens its link in a browser of
their own, creates an account and lands in the chat; both see the join in the history."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from apps.collabs import services
from tests.conftest import PASSWORD, make_user

from .conftest import PHONE, assert_clean, no_horizontal_overflow, problems_of, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def team(transactional_db):
    owner = make_user("olga@example.com", "Olga Owner")
    collab = services.create_collab(owner, name="Website redesign", description="With the studio")
    return {"owner": owner, "collab": collab}


def test_a_guest_invited_by_email_signs_up_on_a_phone_and_lands_in_the_chat(
    open_page, team, smtp_server
):
    owner, collab = team["owner"], team["collab"]
    smtp_server.inbox.clear()  # the server is shared by the whole run
    a = open_page()
    sign_in(a, owner)
    a.goto(f"/collabs/{collab.pk}/members/")
    by_email = a.get_by_role("form", name="Invite a guest by email")
    by_email.get_by_label("Email").fill("ivan@example.com")
    by_email.get_by_label("Name (optional)").fill("Ivan Petrov")
    a.get_by_role("button", name="Send the invitation").click()
    expect(a.get_by_text("The invitation is sent to ivan@example.com.")).to_be_visible()
    pending = a.get_by_role("list", name="Invitations not accepted")
    expect(pending).to_contain_text("Ivan Petrov")
    expect(pending).to_contain_text("invitation not accepted")

    email = smtp_server.inbox.wait_for("ivan@example.com")
    link = re.search(r"https?://\S+/invite/\S+/", smtp_server.inbox.text(email)).group(0)

    # The guest, on a phone, in a browser of their own.
    b = open_page(**PHONE)
    b.goto(urlsplit(link).path)
    expect(b.get_by_role("heading", name="Invitation to Website redesign")).to_be_visible()
    expect(b.get_by_text("Olga Owner invites you")).to_be_visible()
    no_horizontal_overflow(b, PHONE["viewport"]["width"])
    b.get_by_label("Your name").fill("Ivan Petrov")
    b.get_by_label("Password", exact=True).fill(PASSWORD)
    b.get_by_label("Password (again)").fill(PASSWORD)
    b.get_by_role("button", name="Create the account and join").click()

    expect(b).to_have_url(re.compile(rf"/collabs/{collab.pk}/$"))
    joined = "Ivan Petrov (guest) joined by an email invitation"
    expect(b.get_by_role("log", name="Messages").get_by_text(joined)).to_be_visible()
    a.goto(f"/collabs/{collab.pk}/")
    expect(a.get_by_text("Olga Owner invited Ivan Petrov (guest) by email")).to_be_visible()
    expect(a.get_by_role("log", name="Messages").get_by_text(joined)).to_be_visible()
    a.goto(f"/collabs/{collab.pk}/members/")
    expect(a.get_by_role("list", name="Invitations not accepted")).to_have_count(0)
    assert_clean(a)
    assert_clean(b)

    # The link is used up: opened again, it says so.
    c = open_page()
    problems_of(c).allow("status of 410")
    c.goto(urlsplit(link).path)
    expect(c.get_by_role("heading", name="This invitation does not work")).to_be_visible()


def test_a_visitor_with_the_collabs_link_joins_from_a_phone(open_page, team):
    owner, collab = team["owner"], team["collab"]
    a = open_page()
    sign_in(a, owner)
    a.goto(f"/collabs/{collab.pk}/members/")
    a.get_by_label("Maximum uses (optional)").fill("3")
    a.get_by_role("button", name="Make a link").click()
    expect(a.get_by_role("img", name="QR code of the invitation link")).to_be_visible()
    expect(a.get_by_text("Used 0 of 3 times.")).to_be_visible()
    link = a.get_by_label("Anyone with this link can join as a guest").input_value()

    b = open_page(**PHONE)
    b.goto(urlsplit(link).path)
    expect(b.get_by_role("heading", name="Invitation to Website redesign")).to_be_visible()
    no_horizontal_overflow(b, PHONE["viewport"]["width"])
    b.get_by_label("Email").fill("walk-in@example.com")
    b.get_by_label("Your name").fill("Walter Walkin")
    b.get_by_label("Password", exact=True).fill(PASSWORD)
    b.get_by_label("Password (again)").fill(PASSWORD)
    b.get_by_role("button", name="Create the account and join").click()

    expect(b).to_have_url(re.compile(rf"/collabs/{collab.pk}/$"))
    expect(
        b.get_by_role("log", name="Messages").get_by_text("Walter Walkin (guest) joined by link")
    ).to_be_visible()
    a.reload()
    expect(a.get_by_text("Used 1 of 3 times.")).to_be_visible()
    assert_clean(a)
    assert_clean(b)


def test_a_guest_invited_by_phone_opens_the_text_messages_link_and_joins(
    open_page, team, sms_outbox
):
    owner, collab = team["owner"], team["collab"]
    before = set(sms_outbox.iterdir())
    a = open_page()
    sign_in(a, owner)
    a.goto(f"/collabs/{collab.pk}/members/")
    by_phone = a.get_by_role("form", name="Invite a guest by phone")
    by_phone.get_by_label("Phone").fill("8 (999) 123-45-67")
    by_phone.get_by_label("Name (optional)").fill("Petr Phone")
    a.get_by_role("button", name="Send a text message").click()
    expect(a.get_by_text("The invitation is sent to +79991234567.")).to_be_visible()
    expect(a.get_by_role("list", name="Invitations not accepted")).to_contain_text("Petr Phone")

    [sms] = set(sms_outbox.iterdir()) - before
    link = re.search(r"https?://\S+/invite/\S+/", sms.read_text()).group(0)
    b = open_page(**PHONE)
    b.goto(urlsplit(link).path)
    b.get_by_label("Email").fill("petr@example.com")
    b.get_by_label("Your name").fill("Petr Phone")
    b.get_by_label("Password", exact=True).fill(PASSWORD)
    b.get_by_label("Password (again)").fill(PASSWORD)
    b.get_by_role("button", name="Create the account and join").click()

    expect(b).to_have_url(re.compile(rf"/collabs/{collab.pk}/$"))
    expect(
        b.get_by_role("log", name="Messages").get_by_text(
            "Petr Phone (guest) joined by an invitation sent to their phone"
        )
    ).to_be_visible()
    assert_clean(a)
    assert_clean(b)


def test_an_invitation_the_mail_server_refuses_is_shown_not_delivered_and_resent(
    open_page, team, smtp_server
):
    owner, collab = team["owner"], team["collab"]
    smtp_server.inbox.clear()
    smtp_server.inbox.refused.add("ivan@example.com")
    a = open_page()
    sign_in(a, owner)
    a.goto(f"/collabs/{collab.pk}/members/")
    by_email = a.get_by_role("form", name="Invite a guest by email")
    by_email.get_by_label("Email").fill("ivan@example.com")
    by_email.get_by_label("Name (optional)").fill("Ivan Petrov")
    a.get_by_role("button", name="Send the invitation").click()

    expect(
        a.get_by_text("The invitation to ivan@example.com was not delivered: 550")
    ).to_be_visible()
    pending = a.get_by_role("list", name="Invitations not accepted")
    row = pending.get_by_role("listitem").filter(has_text="ivan@example.com")
    expect(row).to_contain_text("not delivered: 550 5.1.1 No such user here")
    resend = row.get_by_role(
        "button", name="Send the invitation of Ivan Petrov <ivan@example.com> again"
    )
    expect(resend).to_be_visible()

    # The address is put right at the mail server; the inviter resends from the list.
    smtp_server.inbox.refused.clear()
    resend.click()

    expect(a.get_by_text("The invitation is sent again to ivan@example.com.")).to_be_visible()
    expect(row).to_contain_text("invitation not accepted")
    expect(row).not_to_contain_text("not delivered")
    email = smtp_server.inbox.wait_for("ivan@example.com")
    assert re.search(r"https?://\S+/invite/\S+/", smtp_server.inbox.text(email))
    assert_clean(a)
