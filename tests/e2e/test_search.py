"""Search in a real browser: another form of a word finds the messages, each a card with the
found words marked, and its link opens the chat at that message.

People are signed in by cookie (sign-in has its own tests)."""

import pytest
from playwright.sync_api import expect

from apps.chat import services as chat
from apps.collabs import services
from tests.conftest import make_user

from .conftest import assert_clean, sign_in_by_cookie

pytestmark = pytest.mark.e2e


def test_search_finds_other_forms_marks_them_and_jumps_into_the_chat(open_page, transactional_db):
    owner = make_user("olga@example.com", "Olga Owner")
    member = make_user("mark@example.com", "Mark Member")
    collab = services.create_collab(owner, name="Website redesign")
    services.add_member(collab, owner, member)
    listed = chat.send_message(collab, owner, "Макеты главной:\n\n- шапка\n- подвал")
    chat.send_message(collab, member, "Макет каталога утверждён")
    chat.send_message(collab, member, "<img src=x onerror=alert(1)> макетами займусь завтра")
    chat.send_message(collab, owner, "Обед в час")
    page = open_page()
    sign_in_by_cookie(page, member)

    page.goto(f"/collabs/{collab.pk}/chat/search/?q=макета")

    results = page.get_by_role("list", name="Search results")
    cards = results.get_by_role("listitem")
    expect(cards).to_have_count(3)
    expect(results.locator("mark")).to_have_count(3)
    # PostgreSQL ranks the hits, SQLite lists the newest first: the order is not checked.
    marked = sorted(results.locator("mark").all_inner_texts())
    assert marked == ["Макет", "Макеты", "макетами"]
    # The hostile text is text.
    expect(cards.filter(has_text="займусь")).to_contain_text("<img src=x onerror=alert(1)>")
    card = cards.filter(has_text="главной")
    expect(card).to_contain_text("Olga Owner")
    assert_clean(page)

    card.get_by_role("link", name="Show in the chat").click()

    expect(page).to_have_url(f"/collabs/{collab.pk}/?message={listed.pk}#m{listed.pk}")
    expect(page.locator(f"#m{listed.pk}")).to_be_visible()
    assert_clean(page)
