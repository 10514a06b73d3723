"""A guest of one collab, with a crawler: follows every link on every page it can reach, and
tries every URL of another collab it is given. Nothing of the other collab — its name, its
people, its messages, its invitations — appears in any response, and each of its URLs answers
403 or 404.

Here the guest is the outsider (a guest of "Secret project Zeta"); the collab kept from them is
our "Website redesign", with its messages, a pending invitation and its members."""

import re
from html import unescape
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.chat.services import send_message
from apps.files.services import create_folder, upload
from apps.invitations.services import create_link, invite_by_email, link_token
from tests.test_access_matrix import TABLE, _path, _picture, all_url_names

pytestmark = pytest.mark.django_db

HREF = re.compile(r"""(?:href|src|hx-get|action)="([^"]+)\"""")
# Pages that sign the crawler out or change state on a plain GET are not followed.
SKIP = ("/accounts/logout/", "/admin/")
MAX_PAGES = 300


@pytest.fixture
def secrets_of_ours(collab, owner, member, guest):
    message = send_message(collab, member, "The budget is 42 thousand, keep it quiet")
    invitation = invite_by_email(collab, owner, "vendor@example.com", name="Vera Vendor")
    link = create_link(collab, owner)
    file = upload(collab, member, SimpleUploadedFile("budget.txt", b"Budget line: 42 thousand"))
    folder = create_folder(collab, owner, "Layoff plans")
    from apps.tasks.services import create_task

    task = create_task(
        collab,
        owner,
        title="Close the Riga office",
        responsible_id=member.pk,
        description="Quietly, before the audit",
    )
    from datetime import timedelta

    from django.utils import timezone

    from apps.calendar import booking
    from apps.calendar.services import create_meeting

    start = timezone.now() + timedelta(days=2)
    meeting = create_meeting(
        collab,
        owner,
        title="Meeting about the layoffs",
        start=start,
        end=start + timedelta(hours=1),
        attendee_ids=[member.pk],
    )
    slot_link = booking.create_link(collab, owner, title="Secret intro call")
    return {
        "world": {
            "meeting": meeting,
            "doomed_meeting": meeting,
            "slot_link": slot_link,
            "doomed_link": slot_link,
            "collab": collab,
            "message": message,
            "doomed": message,
            "invitation": invitation,
            "owner": owner,
            "member": member,
            "guest": guest,
            "file": file,
            "folder": folder,
            "picture": _picture(collab, member),
            "task": task,
        },
        "words": [
            collab.name,
            "The budget is 42 thousand",
            "Vera Vendor",
            "vendor@example.com",
            owner.full_name,
            member.full_name,
            "Maxim Moderator",
            link_token(link),
            "Budget line: 42 thousand",
            "Layoff plans",
            "Close the Riga office",
            "Quietly, before the audit",
            "Meeting about the layoffs",
            "Secret intro call",
        ],
    }


def _leaks(body: str, words: list[str]) -> list[str]:
    text = unescape(body)
    return [word for word in words if word in text]


def test_a_guest_crawling_everything_it_can_reach_finds_nothing_of_another_collab(
    client, other_collab, outsider, secrets_of_ours
):
    client.force_login(outsider)
    words = secrets_of_ours["words"]
    queue, seen, leaks = ["/", "/collabs/", f"/collabs/{other_collab.pk}/"], set(), []
    while queue and len(seen) < MAX_PAGES:
        url = urldefrag(queue.pop(0))[0]
        if url in seen or not url.startswith("/") or url.startswith(SKIP):
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        assert response.status_code < 500, url
        if "text/html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        leaks += [f"{url}: {word}" for word in _leaks(body, words)]
        for link in HREF.findall(body):
            parts = urlsplit(unescape(link))
            if parts.netloc in ("", "testserver"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))

    assert len(seen) > 5, "the crawler reached almost nothing: the test proves nothing"
    assert f"/collabs/{other_collab.pk}/members/" in seen
    assert not leaks, "\n".join(leaks)


def test_every_url_of_another_collab_is_closed_to_the_guest_and_says_nothing(
    client, outsider, secrets_of_ours
):
    client.force_login(outsider)
    world = {**secrets_of_ours["world"], "outsider": outsider}
    words = secrets_of_ours["words"]
    tried, wrong = 0, []
    for name in all_url_names():
        if name.startswith("admin:"):
            continue
        _method, kwargs, data, _statuses = TABLE[name]
        if "collab_id" not in kwargs:
            continue
        tried += 1
        url = _path(name, kwargs, world)
        for verb in ("get", "post"):
            response = getattr(client, verb)(url, data or {})
            if response.status_code not in (403, 404, 405):
                wrong.append(f"{verb.upper()} {name}: {response.status_code}")
            if response.status_code != 405 and _leaks(response.content.decode(), words):
                wrong.append(
                    f"{verb.upper()} {name} shows {_leaks(response.content.decode(), words)}"
                )
    assert tried > 20
    assert not wrong, "\n".join(wrong)


def test_a_guest_cannot_open_the_employee_directory(client, other_collab, outsider):
    client.force_login(outsider)

    page = client.get(reverse("collabs:members", args=[other_collab.pk])).content.decode()

    assert "Add an employee" not in page
    assert "owner@example.com" not in page
