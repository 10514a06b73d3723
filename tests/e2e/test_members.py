"""The owner manages the people of a collab from its Members page; a removed member loses the
collab at once."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.collabs import services
from apps.collabs.models import Membership, Role
from tests.conftest import make_user

from .conftest import PHONE, assert_clean, no_horizontal_overflow, sign_in, sign_in_by_cookie

pytestmark = pytest.mark.e2e


def member_rows(page: Page):
    return page.get_by_role("list", name="Members").get_by_role("listitem")


def row_of(page: Page, name: str):
    return member_rows(page).filter(has_text=name)


def selected_label(select) -> str:
    return select.evaluate("s => s.selectedOptions[0].textContent.trim()")


@pytest.fixture
def team(transactional_db):
    owner = make_user("olga@example.com", "Olga Owner")
    newcomer = make_user("nina@example.com", "Nina Newcomer")
    leaver = make_user("lev@example.com", "Lev Leaver")
    collab = services.create_collab(owner, name="Annual report", description="Numbers and words")
    services.add_member(collab, owner, leaver)
    return {"owner": owner, "newcomer": newcomer, "leaver": leaver, "collab": collab}


def test_owner_adds_promotes_and_removes_members(page: Page, team):
    owner, newcomer, leaver, collab = (
        team["owner"],
        team["newcomer"],
        team["leaver"],
        team["collab"],
    )
    sign_in(page, owner)

    # My collabs → the collab → its Members page (through the collab menu).
    page.get_by_role("link", name=re.compile("Annual report")).click()
    expect(page.get_by_role("heading", level=1, name="Annual report")).to_be_visible()
    page.get_by_label("Collab menu").click()
    page.get_by_role("menuitem", name="Add members").click()
    expect(page).to_have_url(re.compile(rf"/collabs/{collab.pk}/members/$"))
    expect(page.get_by_role("heading", level=2, name="Members")).to_be_visible()
    expect(member_rows(page)).to_have_count(2)
    expect(row_of(page, "Nina Newcomer")).to_have_count(0)

    # Add an employee from the directory.
    page.get_by_label("Add an employee").select_option(label="Nina Newcomer <nina@example.com>")
    page.get_by_role("button", name="Add", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Nina Newcomer is added.")
    expect(member_rows(page)).to_have_count(3)
    expect(row_of(page, "Nina Newcomer")).to_have_count(1)
    expect(page.get_by_role("link", name="3 members")).to_be_visible()
    # Someone already in the collab is no longer offered.
    offered = page.get_by_label("Add an employee").get_by_role("option", name=re.compile("Nina"))
    expect(offered).to_have_count(0)

    # Make the newcomer a moderator.
    role = page.get_by_label("Role of Nina Newcomer", exact=True)
    assert selected_label(role) == "Member"
    role.select_option(label="Moderator")
    page.get_by_role("button", name="Change the role of Nina Newcomer").click()

    expect(page.get_by_role("status")).to_contain_text("Nina Newcomer's role is changed.")
    assert selected_label(page.get_by_label("Role of Nina Newcomer", exact=True)) == "Moderator"
    # Moderators are listed right after the owner.
    expect(member_rows(page).nth(1)).to_contain_text("Nina Newcomer")
    assert Membership.objects.active().get(collab=collab, user=newcomer).role == Role.MODERATOR

    # Remove the third member (the button asks first).
    expect(row_of(page, "Lev Leaver")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove Lev Leaver").click()

    expect(page.get_by_role("status")).to_contain_text("Lev Leaver is removed from the collab.")
    expect(row_of(page, "Lev Leaver")).to_have_count(0)
    expect(member_rows(page)).to_have_count(2)
    expect(page.get_by_role("link", name="2 members")).to_be_visible()
    assert not Membership.objects.active().filter(collab=collab, user=leaver).exists()
    assert_clean(page)


def test_cancelling_the_confirmation_keeps_the_member(page: Page, team):
    sign_in(page, team["owner"])
    page.goto(f"/collabs/{team['collab'].pk}/members/")

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Remove Lev Leaver").click()

    page.reload()
    expect(row_of(page, "Lev Leaver")).to_have_count(1)
    assert Membership.objects.active().filter(collab=team["collab"], user=team["leaver"]).exists()


def test_removed_member_who_reloads_the_collab_gets_not_found(open_page, team):
    owner, leaver, collab = team["owner"], team["leaver"], team["collab"]
    owner_page = open_page()
    leaver_page = open_page()
    sign_in(owner_page, owner)
    sign_in(leaver_page, leaver)

    leaver_page.get_by_role("link", name=re.compile("Annual report")).click()
    expect(leaver_page.get_by_role("heading", level=1, name="Annual report")).to_be_visible()

    owner_page.goto(f"/collabs/{collab.pk}/members/")
    owner_page.once("dialog", lambda dialog: dialog.accept())
    owner_page.get_by_role("button", name="Remove Lev Leaver").click()
    expect(row_of(owner_page, "Lev Leaver")).to_have_count(0)

    # Chromium logs the 404 status of the page itself as a console error: expected here.
    leaver_page._e2e_problems.allow(r"status of 404")
    # Their socket is closed at once, and the page reloads itself into "not found".
    expect(leaver_page.get_by_role("heading", level=1, name="Not found")).to_be_visible()
    response = leaver_page.reload()
    assert response is not None and response.status == 404
    expect(leaver_page.get_by_role("heading", level=1, name="Not found")).to_be_visible()
    expect(leaver_page.get_by_text("Annual report")).to_have_count(0)
    # Nor is it on their list any more.
    leaver_page.get_by_role("link", name="Back to my collabs").click()
    expect(leaver_page.get_by_role("heading", level=1, name="My collabs")).to_be_visible()
    expect(leaver_page.get_by_role("link", name=re.compile("Annual report"))).to_have_count(0)


def test_the_owner_gives_a_guest_an_end_date(page: Page, team):
    owner, collab = team["owner"], team["collab"]
    guest = make_user("gleb@example.com", "Gleb Guest", kind="guest")
    services.add_member(collab, owner, guest)
    sign_in(page, owner)
    page.goto(f"/collabs/{collab.pk}/members/")

    row = row_of(page, "Gleb Guest")
    # A visible label; the person's name is read out to screen readers only.
    expect(row.locator("label", has_text="Access until")).to_be_visible()
    row.get_by_label("Access until (Gleb Guest)").fill("2031-03-15")
    row.get_by_role("button", name="Save the end of access of Gleb Guest").click()

    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(row_of(page, "Gleb Guest").get_by_label("Access until (Gleb Guest)")).to_have_value(
        "2031-03-15"
    )
    # Employees have no end date to set.
    expect(row_of(page, "Lev Leaver").get_by_label("Access until (Lev Leaver)")).to_have_count(0)

    # The end date can be removed again.
    row_of(page, "Gleb Guest").get_by_role(
        "button", name="Remove the end of access of Gleb Guest"
    ).click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(row_of(page, "Gleb Guest").get_by_label("Access until (Gleb Guest)")).to_have_value("")
    assert Membership.objects.active().get(collab=collab, user=guest).expires_at is None
    assert_clean(page)


def test_the_members_page_on_a_phone(open_page, team):
    owner, collab = team["owner"], team["collab"]
    guest = make_user("gleb@example.com", "Gleb Guest", kind="guest")
    services.add_member(collab, owner, guest)
    page = open_page(**{**PHONE, "viewport": {"width": 375, "height": 812}})
    sign_in_by_cookie(page, owner)
    page.goto(f"/collabs/{collab.pk}/members/")

    expect(page.get_by_role("heading", level=2, name="Invitations")).to_be_attached()
    no_horizontal_overflow(page, 375)
    # The member list comes before the invitations.
    members_top = page.get_by_role("list", name="Members").bounding_box()["y"]
    invitations_top = page.get_by_role("heading", level=2, name="Invitations").bounding_box()["y"]
    assert members_top < invitations_top
    # The guest is marked once.
    expect(row_of(page, "Gleb Guest").get_by_text("guest", exact=True)).to_have_count(1)
    expect(row_of(page, "Gleb Guest").get_by_text("Guest", exact=True)).to_have_count(0)

    # The end-date picker is usable on the phone: within the screen, fillable, saved.
    picker = row_of(page, "Gleb Guest").get_by_label("Access until (Gleb Guest)")
    picker.scroll_into_view_if_needed()
    box = picker.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    picker.fill("2031-03-15")
    row_of(page, "Gleb Guest").get_by_role(
        "button", name="Save the end of access of Gleb Guest"
    ).tap()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(row_of(page, "Gleb Guest").get_by_label("Access until (Gleb Guest)")).to_have_value(
        "2031-03-15"
    )
    # The picker of employees starts with words, not dashes.
    first = page.get_by_label("Add an employee").locator("option").first
    expect(first).to_have_text("Choose an employee…")
    no_horizontal_overflow(page, 375)
    assert_clean(page)
