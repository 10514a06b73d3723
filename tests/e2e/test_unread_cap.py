"""A member back to a collab with a backlog past 999 unread messages: the list, the top bar and
the title say "999+" (apps/chat/receivers.UNREAD_SHOWN: the count stops at 1,000), on a wide
screen beside the chat and on a phone's list of collabs, the page's script agreeing with the
server."""

import pytest

from apps.chat.models import Message
from apps.collabs import services

from .conftest import PHONE, sign_in_by_cookie
from .test_a11y import world  # noqa: F401 - a fixture

TALL_PHONE = {**PHONE, "viewport": {"width": 375, "height": 812}}


@pytest.mark.parametrize(("size", "options"), [("1280", {}), ("375", TALL_PHONE)])
def test_a_backlog_past_999_reads_999_plus_everywhere(open_page, world, size, options):  # noqa: F811
    owner, collab = world["owner"], world["collab"]
    colleague = collab.memberships.exclude(user=owner).first().user
    busy = services.create_collab(colleague, name="Busy room", description="")
    services.add_member(busy, colleague, owner)
    Message.objects.bulk_create(
        Message(collab=busy, author=colleague, kind="user", body=f"m{i}", html=f"<p>m{i}</p>")
        for i in range(1005)
    )
    page = open_page(**options)
    sign_in_by_cookie(page, owner)
    page.goto("/collabs/" if size == "375" else f"/collabs/{collab.pk}/")
    page.wait_for_load_state("networkidle")
    row = page.locator(f'[data-rail-list] > [data-collab="{busy.pk}"]')
    assert row.locator(".counter-unread [aria-hidden=true]").inner_text() == "999+"
    assert row.get_by_text("More than 999 unread messages").count() == 1
    badge = page.locator(".nav-collabs .nav-count")
    assert badge.locator("[aria-hidden=true]").inner_text() == "999+"
    assert page.title().startswith("(999+) ")
