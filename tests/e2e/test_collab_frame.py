"""The collab page frame in a real browser: every page of a collab (chat, search, pinned,
members) shows the same header and sidebar; the sidebar's tabs load on demand and stay live
(a link posted a moment ago by someone else appears in the Links tab without a reload; who is
online shows and changes); on a phone the sidebar is a drawer.

People are signed in by cookie (sign-in has its own tests)."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.chat import services as chat
from apps.collabs import services
from tests.conftest import make_user

from .conftest import PHONE, assert_clean, no_horizontal_overflow, sign_in_by_cookie

pytestmark = pytest.mark.e2e


@pytest.fixture
def team(transactional_db):
    owner = make_user("olga@example.com", "Olga Owner")
    member = make_user("mark@example.com", "Mark Member")
    guest = make_user("gleb@example.com", "Gleb Guest", kind=User.Kind.GUEST)
    collab = services.create_collab(owner, name="Website redesign", description="With the studio")
    services.add_member(collab, owner, member)
    services.add_member(collab, owner, guest)
    return {"owner": owner, "member": member, "guest": guest, "collab": collab}


def person(open_page, user, **options) -> Page:
    page = open_page(**options)
    sign_in_by_cookie(page, user)
    return page


def sidebar(page: Page):
    return page.get_by_role("complementary", name="About the collab")


def expect_presence(row, online: bool) -> None:
    """What a screen reader says of the person in `row`: "online" or "offline" (the other word
    is not rendered at all)."""
    said, unsaid = ("online", "offline") if online else ("offline", "online")
    expect(row.get_by_text(said, exact=True)).to_be_visible()
    expect(row.get_by_text(unsaid, exact=True)).to_be_hidden()


def test_every_collab_page_shows_the_same_header_and_sidebar(open_page, team):
    collab = team["collab"]
    page = person(open_page, team["owner"])
    page.goto(f"/collabs/{collab.pk}/")
    page.get_by_role("textbox", name="Message").fill(
        "The mockups are at https://example.com/mockups"
    )
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("log", name="Messages")).to_contain_text("The mockups are at")

    pages = [
        f"/collabs/{collab.pk}/",
        f"/collabs/{collab.pk}/chat/search/?q=mockups",
        f"/collabs/{collab.pk}/chat/pinned/",
        f"/collabs/{collab.pk}/members/",
        f"/collabs/{collab.pk}/settings/",
    ]
    for url in pages:
        page.goto(url)
        top = page.locator(".collab-head")
        expect(top.get_by_role("heading", level=1, name="Website redesign")).to_be_visible()
        expect(top.get_by_role("link", name="3 members")).to_be_visible()
        expect(top.get_by_label("Collab menu")).to_be_visible()
        expect(sidebar(page)).to_be_visible()
        tabs = sidebar(page).get_by_role("navigation", name="Sidebar tabs")
        expect(tabs.get_by_role("link")).to_have_text(
            ["Members", "Links", "Files", "Tasks", "Calendar", "Cards"]
        )
        # The Members tab loads by itself: who is here, and that the owner is online (this page).
        members = sidebar(page).get_by_role("region", name="Members")
        people = members.get_by_role("list", name="People in the collab").get_by_role("listitem")
        expect(people).to_have_count(3)
        expect_presence(people.filter(has_text="Olga Owner"), online=True)
        expect(page.get_by_text("Back to", exact=False)).to_have_count(0)
        assert_clean(page)


def test_the_links_tab_shows_a_link_posted_by_someone_else_live(open_page, team):
    collab = team["collab"]
    olga = person(open_page, team["owner"])
    mark = person(open_page, team["member"])
    olga.goto(f"/collabs/{collab.pk}/")
    mark.goto(f"/collabs/{collab.pk}/")
    tab = (
        sidebar(olga)
        .get_by_role("navigation", name="Sidebar tabs")
        .get_by_role("link", name="Links")
    )
    tab.click()
    expect(tab).to_have_attribute("aria-current", "true")
    links = sidebar(olga).get_by_role("region", name="Links")
    expect(links).to_contain_text("No links yet")

    mark.get_by_role("textbox", name="Message").fill(
        "Brief: https://docs.example.org/brief?v=2 and www.example.net/plan"
    )
    mark.get_by_role("button", name="Send").click()

    items = links.get_by_role("list", name="Links posted in the chat").get_by_role("listitem")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("docs.example.org/brief?v=2")
    expect(items.first).to_contain_text("Mark Member")
    olga_url = olga.url
    items.first.get_by_role("link", name=re.compile("^Show the message with docs")).click()
    expect(olga).to_have_url(re.compile(r"\?message=\d+#m\d+$"))
    assert olga.url != olga_url
    expect(olga.locator(".msg.is-target")).to_contain_text("Brief:")
    assert_clean(olga)


def test_the_members_tab_shows_who_is_online(open_page, team):
    collab = team["collab"]
    olga = person(open_page, team["owner"])
    olga.goto(f"/collabs/{collab.pk}/")
    members = sidebar(olga).get_by_role("region", name="Members")
    guest_row = members.get_by_role("listitem").filter(has_text="Gleb Guest")
    expect(guest_row).to_contain_text("guest")
    expect_presence(guest_row, online=False)
    expect(members.get_by_role("listitem").filter(has_text="Olga Owner")).to_contain_text("Owner")

    gleb = person(open_page, team["guest"], **PHONE)
    gleb.goto(f"/collabs/{collab.pk}/")
    expect_presence(guest_row, online=True)  # live, no reload

    gleb.close()
    expect_presence(guest_row, online=False)


def test_on_a_phone_the_sidebar_is_a_drawer(open_page, team):
    collab = team["collab"]
    # Without the slide (as for people who ask for less motion): measured where it ends.
    page = person(open_page, team["guest"], **PHONE, reduced_motion="reduce")
    page.goto(f"/collabs/{collab.pk}/chat/pinned/")
    no_horizontal_overflow(page, 375)
    expect(sidebar(page)).to_be_hidden()
    opener = page.get_by_role("button", name="About the collab")
    expect(opener).to_have_attribute("aria-expanded", "false")

    opener.click()
    expect(sidebar(page)).to_be_visible()
    expect(opener).to_have_attribute("aria-expanded", "true")
    box = sidebar(page).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    members = sidebar(page).get_by_role("region", name="Members")
    expect(members.get_by_role("listitem").filter(has_text="Olga Owner")).to_be_visible()

    sidebar(page).get_by_role("button", name="Close the panel").click()
    expect(sidebar(page)).to_be_hidden()
    expect(opener).to_have_attribute("aria-expanded", "false")
    opener.click()
    page.keyboard.press("Escape")
    expect(sidebar(page)).to_be_hidden()
    no_horizontal_overflow(page, 375)
    assert_clean(page)


def test_without_javascript_each_tab_is_a_page(open_page, team):
    collab = team["collab"]
    chat.send_message(collab, team["member"], "Plan: https://plan.example.com/q3")
    page = person(open_page, team["owner"], java_script_enabled=False)
    page.goto(f"/collabs/{collab.pk}/")
    tabs = sidebar(page).get_by_role("navigation", name="Sidebar tabs")

    tabs.get_by_role("link", name="Links").click()

    expect(page).to_have_url(re.compile(rf"/collabs/{collab.pk}/chat/links/$"))
    main = page.locator(".collab-main")
    expect(main.get_by_role("heading", level=2, name="Links")).to_be_visible()
    expect(main.get_by_role("link", name="plan.example.com/q3", exact=True)).to_be_visible()
    tabs.get_by_role("link", name="Members").click()
    expect(main.get_by_role("heading", level=2, name="Members")).to_be_visible()
    expect(main.get_by_role("list", name="People in the collab")).to_contain_text("Gleb Guest")
