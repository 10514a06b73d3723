"""The pages: the list, the bell and its panel, opening one, marking read, the settings; for
every kind of person, and with another person's ids."""

import pytest
from django.urls import reverse

from apps.notifications import services
from apps.notifications.models import EmailOptOut, Notification
from tests.notifications.conftest import DEMO
from tests.notifications.demo import CARD


@pytest.fixture
def mine(collab, owner, member, tell):
    return tell([member], collab=collab, actor=owner, name="Boris", url=f"/collabs/{collab.pk}/")[0]


def test_the_list_shows_the_persons_notifications(client, member, mine):
    client.force_login(member)
    html = client.get(reverse("notifications:list")).content.decode()
    assert "Boris joined" in html
    assert "Website redesign" in html
    assert reverse("notifications:open", args=[mine.pk]) in html
    assert "Mark all as read" in html


@pytest.mark.parametrize("role", ["owner", "moderator", "guest", "outsider"])
def test_nobody_else_sees_them(client, people, mine, role):
    client.force_login(people[role])
    html = client.get(reverse("notifications:list")).content.decode()
    assert "Boris joined" not in html
    assert client.get(reverse("notifications:open", args=[mine.pk])).status_code == 404


def test_the_signed_out_and_the_deactivated_go_to_the_login(client, deactivated, mine):
    for url in (
        reverse("notifications:list"),
        reverse("notifications:panel"),
        reverse("notifications:settings"),
        reverse("notifications:open", args=[mine.pk]),
    ):
        assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(deactivated)
    assert client.get(reverse("notifications:list")).status_code == 302


def test_a_removed_member_no_longer_sees_them(client, collab, owner, member, mine):
    from apps.collabs.services import remove_member

    remove_member(collab, owner, member)
    client.force_login(member)
    assert "Boris joined" not in client.get(reverse("notifications:list")).content.decode()
    assert client.get(reverse("notifications:open", args=[mine.pk])).status_code == 404


def test_opening_marks_read_and_follows_the_link(client, collab, member, mine):
    client.force_login(member)
    response = client.get(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/collabs/{collab.pk}/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_a_link_to_another_site_is_not_followed(client, owner, member, tell):
    notification = tell([member], actor=owner, url="https://evil.example/")[0]
    client.force_login(member)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_marking_another_persons_notification_read_does_nothing(client, guest, mine):
    client.force_login(guest)
    response = client.post(reverse("notifications:read"), {"id": [str(mine.pk), "x"]})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is None


def test_mark_read_and_mark_all_read(client, owner, member, mine, tell):
    tell([member], actor=owner)
    client.force_login(member)
    client.post(reverse("notifications:read"), {"id": str(mine.pk), "next": "/notifications/"})
    assert services.unread_count(member) == 1
    response = client.post(reverse("notifications:read_all"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications:list")
    assert services.unread_count(member) == 0


def test_mark_all_read_from_the_panel_answers_with_the_panel(client, member, mine):
    client.force_login(member)
    response = client.post(reverse("notifications:read_all"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'data-unread="0"' in response.content.decode()


def test_the_bell_shows_the_unread_count_on_every_page(client, member, owner, tell):
    tell([member], actor=owner)
    tell([member], actor=owner)
    client.force_login(member)
    html = client.get(reverse("collabs:list")).content.decode()
    assert 'data-bell-count="2"' in html
    assert "Unread: 2" in html
    assert reverse("notifications:list") in html  # the bell's link, for no JavaScript
    assert reverse("notifications:settings") in html  # the account menu's link


def test_the_panel_lists_the_newest(client, member, owner, tell):
    for i in range(12):
        tell([member], actor=owner, name=f"P{i}")
    client.force_login(member)
    html = client.get(reverse("notifications:panel")).content.decode()
    assert "P11 joined" in html and "P4 joined" in html and "P3 joined" not in html
    assert "All notifications" in html


def test_earlier_pages(client, member, owner, tell):
    for i in range(services.PAGE_SIZE + 3):
        tell([member], actor=owner, name=f"P{i}")
    client.force_login(member)
    response = client.get(reverse("notifications:list"))
    html = response.content.decode()
    assert "Earlier" in html and "P2 joined" not in html
    earlier = html.split('href="?before=')[1].split('"')[0]
    html = client.get(reverse("notifications:list") + "?before=" + earlier).content.decode()
    assert "P2 joined" in html and "P0 joined" in html and "P3 joined" not in html


def test_the_settings_list_the_emailed_kinds_and_save(client, member):
    client.force_login(member)
    html = client.get(reverse("notifications:settings")).content.decode()
    assert "Someone joins" in html
    assert "Quiet things" not in html  # never emailed: nothing to choose
    assert 'value="demo_joined" checked' in html
    client.post(reverse("notifications:settings"), {})
    assert EmailOptOut.objects.filter(user=member, kind=DEMO).exists()
    assert (
        'value="demo_joined" checked'
        not in client.get(reverse("notifications:settings")).content.decode()
    )
    client.post(reverse("notifications:settings"), {"email": [DEMO, CARD]})
    # Those two back on; the kinds of installed features (tasks) left unticked stay off.
    assert not EmailOptOut.objects.filter(user=member, kind__in=[DEMO, CARD]).exists()
    assert EmailOptOut.objects.filter(user=member, kind="task_assigned").exists()


def test_nothing_is_written_by_a_get(client, member, mine):
    client.force_login(member)
    client.get(reverse("notifications:read"))
    client.get(reverse("notifications:read_all"))
    assert Notification.objects.get().read_at is None
