"""An employee creates a collab, changes its settings, and switches the interface to Russian:
the whole way through the browser, on a desktop screen."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.collabs import features
from apps.collabs.models import Collab, Level
from tests.conftest import make_user

from .conftest import assert_clean, sign_in

pytestmark = pytest.mark.e2e


def selected_label(select) -> str:
    """The text of the option a <select> shows, as a person reads it."""
    return select.evaluate("s => s.selectedOptions[0].textContent.trim()")


def test_employee_creates_a_collab_changes_settings_and_switches_to_russian(page: Page):
    employee = make_user("erin@example.com", "Erin Employee")
    sign_in(page, employee)

    # Create the collab.
    page.get_by_role("link", name="New collab").click()
    expect(page.get_by_role("heading", level=1, name="New collab")).to_be_visible()
    page.get_by_label("Name").fill("Spring campaign")
    page.get_by_label("Description").fill("Posters and the launch video, with the agency.")
    page.get_by_role("button", name="Create collab").click()

    expect(page.get_by_role("heading", level=1, name="Spring campaign")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("The collab “Spring campaign” is created.")
    collab = Collab.objects.get(name="Spring campaign")
    expect(page).to_have_url(re.compile(rf"/collabs/{collab.pk}/$"))
    expect(page.get_by_text("Posters and the launch video, with the agency.")).to_be_visible()

    # Collab menu → Settings.
    page.get_by_label("Collab menu").click()
    page.get_by_role("menuitem", name="Settings").click()
    expect(page).to_have_url(re.compile(rf"/collabs/{collab.pk}/settings/$"))
    expect(page.get_by_role("heading", level=2, name="Settings")).to_be_visible()

    post_level = page.get_by_label("Who may post")
    cards_view = page.get_by_role("table").get_by_label("Who may view cards")
    assert selected_label(post_level) == "Everyone"
    assert selected_label(cards_view) == "All members"
    post_level.select_option(label="Owner and moderators (announcements)")
    cards_view.select_option(label="Employees only")
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_role("status")).to_contain_text("Settings saved.")
    expect(page).to_have_url(re.compile(rf"/collabs/{collab.pk}/settings/$"))
    collab.refresh_from_db()
    assert collab.post_level == Level.MODERATORS
    assert features.levels_of(Collab.objects.get(pk=collab.pk))["board"]["view"] == Level.EMPLOYEES

    # The values stick after a reload (and the flash message is gone).
    page.reload()
    expect(page.get_by_role("heading", level=2, name="Settings")).to_be_visible()
    expect(page.get_by_role("status")).to_have_count(0)
    assert selected_label(page.get_by_label("Who may post")) == (
        "Owner and moderators (announcements)"
    )
    assert (
        selected_label(page.get_by_role("table").get_by_label("Who may view cards"))
        == "Employees only"
    )
    # The other settings kept their values.
    assert selected_label(page.get_by_label("Who may edit cards")) == "All members"
    assert selected_label(page.get_by_label("Who may delete cards")) == "Owner and moderators"
    assert_clean(page)

    # Switch the interface to Russian with the language select in the top bar; it submits
    # itself on change (static/js/app.js) and brings us back to the same page.
    # Each language is offered in its own name, so a reader of it finds it.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    language = page.get_by_label("Language")
    offered = [text.strip() for text in language.locator("option").all_inner_texts()]
    assert "Русский" in offered, f"the language select offers {offered}"
    with page.expect_navigation():
        language.select_option(label="Русский")
    expect(page).to_have_url(re.compile(rf"/collabs/{collab.pk}/settings/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("banner").get_by_role("link", name="Мои коллабы")).to_be_visible()
    employee.refresh_from_db()
    assert employee.language == "ru"
