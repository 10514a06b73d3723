"""A guest on a phone (375 by 667 px, touch): sees the one collab they are in, opens it and its
members, and no page is wider than the screen."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.collabs import services
from tests.conftest import make_user

from .conftest import PHONE, assert_clean, no_horizontal_overflow, sign_in

pytestmark = pytest.mark.e2e

WIDTH = PHONE["viewport"]["width"]


def test_guest_on_a_phone_sees_their_collab_and_its_members(open_page, transactional_db):
    owner = make_user("olga@example.com", "Olga Owner")
    guest = make_user("gleb@example.com", "Gleb Guest", kind=User.Kind.GUEST)
    collab = services.create_collab(owner, name="Website redesign", description="With the studio")
    services.add_member(collab, owner, guest)
    # Another collab the guest is not in: it must not show.
    services.create_collab(owner, name="Internal budget")

    page: Page = open_page(**PHONE)
    page.goto("/accounts/login/")
    no_horizontal_overflow(page, WIDTH)
    sign_in(page, guest)

    # My collabs: exactly the one collab, and no way to create one.
    no_horizontal_overflow(page, WIDTH)
    collabs = page.get_by_role("list", name="Collabs").get_by_role("listitem")
    expect(collabs).to_have_count(1)
    expect(collabs).to_contain_text("Website redesign")
    expect(page.get_by_text("Internal budget")).to_have_count(0)
    expect(page.get_by_role("link", name="New collab")).to_have_count(0)
    expect(page.get_by_text("New collab")).to_have_count(0)

    # Open it with a tap.
    collabs.first.get_by_role("link", name=re.compile("Website redesign")).tap()
    expect(page).to_have_url(re.compile(rf"/collabs/{collab.pk}/$"))
    expect(page.get_by_role("heading", level=1, name="Website redesign")).to_be_visible()
    no_horizontal_overflow(page, WIDTH)

    # The collab menu fits on the screen too when open; a guest sees no Settings in it.
    page.get_by_label("Collab menu").tap()
    expect(page.get_by_role("menuitem", name="Members")).to_be_visible()
    expect(page.get_by_role("menuitem", name="Settings")).to_have_count(0)
    no_horizontal_overflow(page, WIDTH)

    # Members page.
    page.get_by_role("menuitem", name="Members").tap()
    expect(page).to_have_url(re.compile(rf"/collabs/{collab.pk}/members/$"))
    expect(page.get_by_role("heading", level=2, name="Members")).to_be_visible()
    rows = page.get_by_role("list", name="Members").get_by_role("listitem")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Olga Owner")).to_contain_text("Owner")
    expect(rows.filter(has_text="Gleb Guest")).to_contain_text("guest")
    # A guest adds and removes no one.
    expect(page.get_by_label("Add an employee")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    no_horizontal_overflow(page, WIDTH)
    expect(page.get_by_text("New collab")).to_have_count(0)
    assert_clean(page)


def test_a_long_collab_name_does_not_widen_the_page_on_a_phone(open_page, transactional_db):
    """Names may be 120 characters long; the list truncates them, so must the collab header."""
    owner = make_user("olga@example.com", "Olga Owner")
    name = "Website redesign with the studio and the agency, phase two"
    collab = services.create_collab(owner, name=name)

    page: Page = open_page(**PHONE)
    sign_in(page, owner)
    expect(page.get_by_role("link", name=re.compile("Website redesign"))).to_be_visible()
    no_horizontal_overflow(page, WIDTH)
    for path in ("", "members/", "settings/"):
        page.goto(f"/collabs/{collab.pk}/{path}")
        expect(page.get_by_role("heading", level=1, name=name)).to_be_attached()
        no_horizontal_overflow(page, WIDTH)


def test_owner_settings_page_fits_a_phone(open_page, transactional_db):
    """The settings page's permission table turns into labelled blocks on a narrow screen."""
    owner = make_user("olga@example.com", "Olga Owner")
    collab = services.create_collab(owner, name="Launch")

    page: Page = open_page(**PHONE)
    sign_in(page, owner)
    page.goto(f"/collabs/{collab.pk}/settings/")
    expect(page.get_by_role("heading", level=2, name="Settings")).to_be_visible()
    no_horizontal_overflow(page, WIDTH)
    # The per-cell label is shown on a phone (the table header is hidden there).
    expect(page.get_by_text("Who may view cards", exact=True)).to_be_visible()
    page.get_by_label("Who may view cards").select_option(label="Employees only")
    page.get_by_role("button", name="Save settings").tap()
    expect(page.get_by_role("status")).to_contain_text("Settings saved.")
    no_horizontal_overflow(page, WIDTH)
