"""The watch on the browser console works: an inline script (forbidden by the site's CSP) and
an uncaught exception are both caught, so every other browser test would fail on them."""

import pytest
from playwright.sync_api import Page, expect

from .conftest import problems_of

pytestmark = pytest.mark.e2e


def test_console_watch_catches_csp_violations_and_exceptions(page: Page):
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    assert problems_of(page).unexpected() == []

    # An inline script, as a careless template would add: the CSP blocks it.
    page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.inlineRan = true";
          document.body.append(s);
        }"""
    )
    # A script error, as a broken static/js module would throw.
    page.evaluate("() => setTimeout(() => { throw new Error('boom'); })")
    page.wait_for_timeout(200)

    assert page.evaluate("window.inlineRan === undefined")
    errors = "\n".join(problems_of(page).unexpected())
    assert "Content Security Policy" in errors or "CSP violation" in errors, errors
    assert "boom" in errors, errors
    # Expected here: do not fail the test at teardown.
    problems_of(page).errors.clear()
