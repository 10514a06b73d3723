"""The top bar takes features' items and account-menu links by registration
(apps.collabs.topbar): base.html names none, an item's context is worked out only when the top
bar is rendered, and the signed-out see none."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.collabs import topbar


@pytest.fixture
def tasks_item():
    """A "My tasks" link with a counter, as the tasks feature will register it."""
    asked = []

    def count():
        asked.append(1)
        return 7

    topbar.register_topbar_item(
        "test_tasks",
        "board/_note.html",
        context=lambda request: {"open": count},
        order=10,
    )
    topbar.register_menu_link("test_tasks", "My test tasks", "collabs:list", order=10)
    yield asked
    topbar.unregister_topbar_item("test_tasks")
    topbar.unregister_menu_link("test_tasks")


def test_base_html_names_no_feature():
    base = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text()
    for name in ("notifications", "tasks", "calendar", "files", "bell"):
        assert name not in base


def test_a_registered_item_and_link_show_for_the_signed_in(client, member, tasks_item):
    client.force_login(member)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "My test tasks" in html
    keys = [item.item.key for item in topbar.items_for(_request(member))]
    assert keys.index("test_tasks") < keys.index("notifications")  # by order


def test_the_signed_out_see_no_items(client, tasks_item):
    from django.contrib.auth.models import AnonymousUser

    assert topbar.items_for(_request(AnonymousUser())) == []
    assert topbar.menu_links_for(_request(AnonymousUser())) == []


def test_nothing_is_worked_out_until_rendered(member, tasks_item):
    from apps.collabs.context_processors import topbar as processor

    with CaptureQueriesContext(connection) as queries:
        context = processor(_request(member))
    assert len(queries) == 0
    assert tasks_item == []
    items = context["topbar_items"]()
    assert tasks_item == []  # the counter is asked for by the template, not here
    ctx = next(item.ctx for item in items if item.item.key == "test_tasks")
    assert ctx["open"]() == 7


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request
