"""The collab page frame (apps/collabs/frame.py): every page of a collab shows the same header
and sidebar; the sidebar's tabs answer htmx with their partial and a plain request with a
framed page; the Members tab shows roles, guests and who is online; the Links tab lists the
chat's links with a jump to each message, from the side of the people it keeps out too."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.chat import services as chat
from apps.collabs import features, frame, services
from apps.collabs.models import Level
from apps.collabs.presence import connected
from tests.collabs.test_queries import add_people

TAB = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "tab-members"}
LINKS_TAB = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "tab-links"}


def framed_pages(collab, message) -> list[str]:
    """Every page of a collab a member opens (each with the frame)."""
    pk = collab.pk
    return [
        reverse("collabs:detail", args=[pk]),
        reverse("collabs:members", args=[pk]),
        reverse("collabs:leave", args=[pk]),
        reverse("collabs:members_tab", args=[pk]),
        reverse("chat:search", args=[pk]) + "?q=hello",
        reverse("chat:pinned", args=[pk]),
        reverse("chat:history", args=[pk]),
        reverse("chat:links", args=[pk]),
        reverse("chat:edit", args=[pk, message.pk]),
        reverse("chat:revisions", args=[pk, message.pk]),
        reverse("board:cards", args=[pk]),
        reverse("board:new", args=[pk]),
    ]


def test_every_page_of_a_collab_has_the_same_header_and_sidebar(client, collab, member):
    message = chat.send_message(collab, member, "hello https://example.com/")
    client.force_login(member)
    for url in framed_pages(collab, message):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert html.count('class="collab-head"') == 1, url
        assert 'id="collab-sidebar"' in html, url
        assert f'data-ws="/ws/collabs/{collab.pk}/?rail=1"' in html, url
        # ... and the list of my collabs beside it, this one marked as the current.
        rail = html.split('id="rail"')[1].split("</nav>")[0]
        assert 'aria-current="page"' in rail, url
        assert "4 members" in html, url  # the header's count
        assert "Back to" not in html, url
        tabs = [tab.key for tab in response.context["sidebar_tabs"]]
        assert tabs == ["members", "links", "files", "tasks", "calendar", "cards"], url


def test_the_header_counts_the_members_whether_or_not_the_collab_is_in_my_list(
    client, collab, owner, member
):
    # The header's count comes from the list of my collabs beside the page; a collab I hid is
    # not in that list, and its count is then read on its own.
    def counts(context) -> int:
        return sum(
            'SELECT COUNT(*) AS "__count" FROM "collabs_membership"' in q["sql"]
            for q in context.captured_queries
        )

    client.force_login(member)
    page = reverse("collabs:detail", args=[collab.pk])
    with CaptureQueriesContext(connection) as listed:
        html = client.get(page).content.decode()
    assert "4 members" in html
    services.set_hidden(collab, member, True)
    with CaptureQueriesContext(connection) as hidden:
        html = client.get(page).content.decode()
    assert "4 members" in html
    assert (counts(listed), counts(hidden)) == (0, 1)
    # Whoever leaves is not counted, either way.
    services.leave_collab(collab, member)
    client.force_login(owner)
    assert "3 members" in client.get(page).content.decode()
    services.set_hidden(collab, owner, True)
    assert "3 members" in client.get(page).content.decode()


def test_the_owners_settings_transfer_and_delete_pages_are_framed_too(client, collab, owner):
    client.force_login(owner)
    for name in ("settings", "transfer", "delete"):
        html = client.get(reverse(f"collabs:{name}", args=[collab.pk])).content.decode()
        assert 'class="collab-head"' in html and 'id="collab-sidebar"' in html, name


def test_a_tab_the_person_may_not_see_is_not_in_the_sidebar(client, collab, owner, guest):
    services.change_settings(collab, owner, features={"board": {"view": Level.EMPLOYEES}})
    client.force_login(guest)

    response = client.get(reverse("collabs:detail", args=[collab.pk]))

    tabs = [tab.key for tab in response.context["sidebar_tabs"]]
    assert tabs == ["members", "links", "files", "tasks", "calendar"]
    assert 'data-tab="cards"' not in response.content.decode()


def test_a_tab_names_the_events_that_refresh_it(rf, collab, member):
    tabs = {tab.key: tab for tab in frame.sidebar_tabs(collab, frozenset({"board.view_card"}))}
    assert tabs["members"].refresh_on == "members"
    assert tabs["links"].refresh_on == "links"
    assert tabs["cards"].refresh_on == "board.card"
    assert tabs["links"].url == reverse("chat:links", args=[collab.pk])


def test_a_tab_answers_htmx_with_its_partial_and_a_plain_request_with_a_page(
    client, collab, member
):
    client.force_login(member)
    url = reverse("collabs:members_tab", args=[collab.pk])

    partial = client.get(url, **TAB).content.decode()
    page = client.get(url).content.decode()

    assert "<html" not in partial and 'class="collab-head"' not in partial
    assert "Marina Member" in partial
    assert "<html" in page and 'class="collab-head"' in page
    assert "<h2>Members</h2>" in page
    # htmx aimed somewhere else than a tab's panel gets the page (never a bare fragment
    # swapped into a wrong place).
    other = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="main").content.decode()
    assert "<html" in other


# --- The Members tab ----------------------------------------------------------------------


def test_the_members_tab_shows_roles_guests_and_who_is_online(client, collab, member, guest):
    connected("socket-of-the-guest", guest.pk, collab.pk)
    client.force_login(member)

    response = client.get(reverse("collabs:members_tab", args=[collab.pk]), **TAB)

    html = response.content.decode()
    shown = response.context["tab_members"]
    # Online people first (the one looking is: their page is open), each group by role: owner,
    # moderators, members, guests.
    assert [m.user.full_name for m in shown] == [
        "Marina Member",
        "Gleb Guest",
        "Olga Owner",
        "Maxim Moderator",
    ]
    assert [m.online for m in shown] == [True, True, False, False]
    assert response.context["online_count"] == 2
    assert "Denis Deactivated" not in html  # not a current member
    assert f'data-presence-user="{guest.pk}" data-online="1"' in html
    assert f'data-presence-user="{collab.owner_id}" data-online="0"' in html
    assert '<span class="badge badge-guest">guest</span>' in html
    assert '<span class="role">Owner</span>' in html
    assert '<span class="role">Moderator</span>' in html
    assert "4 members · 2 online now" in html


def test_a_stale_socket_does_not_count_as_online(client, collab, owner, guest):
    from apps.collabs.models import Presence

    connected("socket-of-the-guest", guest.pk, collab.pk)
    Presence.objects.update(seen_at=timezone.now() - timezone.timedelta(minutes=5))
    client.force_login(owner)

    response = client.get(reverse("collabs:members_tab", args=[collab.pk]), **TAB)

    assert response.context["online_count"] == 1  # the owner, looking


def test_someone_online_in_another_collab_is_online_here_too(
    client, collab, owner, member, other_collab
):
    services.add_member(other_collab, other_collab.owner, member)
    connected("socket-elsewhere", member.pk, other_collab.pk)
    client.force_login(owner)

    response = client.get(reverse("collabs:members_tab", args=[collab.pk]), **TAB)

    assert response.context["online_count"] == 2  # the owner, looking, and the member


def test_a_big_collabs_tab_shows_fifty_and_links_to_everyone(client, owner):
    collab = services.create_collab(owner, name="Big room")
    add_people(collab, owner, 60)
    client.force_login(owner)

    response = client.get(reverse("collabs:members_tab", args=[collab.pk]), **TAB)

    assert len(response.context["tab_members"]) == 50
    assert "All 60 members" in response.content.decode()


# session, user, membership with collab (the access check), the current members' ids and who
# of them is online, the shown members with their users, the member count, whether one may
# add members (cached membership: no query)
MEMBERS_TAB_QUERIES = 6


@pytest.mark.parametrize("size", [3, 50])
def test_the_members_tab_takes_the_same_queries_for_3_and_50_members(
    client, django_assert_num_queries, owner, size
):
    collab = services.create_collab(owner, name="Big room")
    add_people(collab, owner, size)
    client.force_login(owner)

    with django_assert_num_queries(MEMBERS_TAB_QUERIES):
        response = client.get(reverse("collabs:members_tab", args=[collab.pk]), **TAB)

    assert response.status_code == 200


def test_people_outside_get_no_members_tab(client, collab, outsider, member):
    url = reverse("collabs:members_tab", args=[collab.pk])
    client.force_login(outsider)
    assert client.get(url, **TAB).status_code == 404
    services.remove_member(collab, collab.owner, member)
    client.force_login(member)
    assert client.get(url, **TAB).status_code == 404


# --- The Links tab ------------------------------------------------------------------------


def test_the_links_tab_lists_links_newest_first_with_a_jump(client, collab, owner, member):
    first = chat.send_message(collab, owner, "Specs: https://example.com/specs")
    second = chat.send_message(collab, member, "See https://docs.example.org/a and www.example.net")
    client.force_login(member)

    response = client.get(reverse("chat:links", args=[collab.pk]), **LINKS_TAB)

    html = response.content.decode()
    rows = response.context["page"].links
    assert [r.url for r in rows] == [
        "https://docs.example.org/a",
        "http://www.example.net",
        "https://example.com/specs",
    ]
    assert f'href="/collabs/{collab.pk}/?message={second.pk}#m{second.pk}"' in html
    assert f'href="/collabs/{collab.pk}/?message={first.pk}#m{first.pk}"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "Olga Owner" in html and "Marina Member" in html


def test_the_links_tab_pages_back_in_place(client, settings, collab, owner):
    settings.CHAT_BURST_MESSAGES = settings.CHAT_SUSTAINED_MESSAGES = 100
    for i in range(35):
        chat.send_message(collab, owner, f"https://example.com/{i}")
    client.force_login(owner)
    url = reverse("chat:links", args=[collab.pk])

    first = client.get(url, **LINKS_TAB)
    cursor = first.context["page"].next_before_id
    more = client.get(f"{url}?before={cursor}", **LINKS_TAB)

    assert len(first.context["page"].links) == 30
    assert f"?before={cursor}" in first.content.decode()
    rest = more.content.decode()
    assert rest.lstrip().startswith("<li") and "<ul" not in rest  # items for the same list
    assert len(more.context["page"].links) == 5
    assert "Earlier links" not in rest
    assert client.get(f"{url}?before=²").status_code == 400


def test_the_links_tab_of_an_empty_chat_says_so(client, collab, member):
    client.force_login(member)
    html = client.get(reverse("chat:links", args=[collab.pk]), **LINKS_TAB).content.decode()
    assert "No links yet" in html


def test_a_newcomer_does_not_see_links_of_the_history_closed_to_them(
    client, collab, owner, employee
):
    services.change_settings(collab, owner, new_members_see_history=False)
    chat.send_message(collab, owner, "Old: https://old.example/")
    services.add_member(collab, owner, employee)
    chat.send_message(collab, owner, "New: https://new.example/")
    client.force_login(employee)

    response = client.get(reverse("chat:links", args=[collab.pk]), **LINKS_TAB)

    assert [r.url for r in response.context["page"].links] == ["https://new.example/"]


def test_people_outside_get_no_links(client, collab, owner, outsider, member):
    chat.send_message(collab, owner, "https://secret.example/")
    url = reverse("chat:links", args=[collab.pk])
    client.force_login(outsider)
    assert client.get(url, **LINKS_TAB).status_code == 404
    services.remove_member(collab, owner, member)
    client.force_login(member)
    assert client.get(url, **LINKS_TAB).status_code == 404


@pytest.fixture
def employee(db):
    from tests.conftest import make_user

    return make_user("newcomer@example.com", "Nina Newcomer")


def test_a_feature_not_installed_has_no_tab(collab):
    board = features.get_feature("board")
    features.unregister_feature("board")
    try:
        keys = [tab.key for tab in frame.sidebar_tabs(collab, frozenset({"board.view_card"}))]
    finally:
        features.register_feature(board)
    assert keys == ["members", "links"]
