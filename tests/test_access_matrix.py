"""Every URL the project defines, requested by every kind of person, answers what the
permission table says. The test walks the URL configuration: a new URL without an entry in
TABLE fails it, so nobody adds a page without deciding who may open it."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from apps.collabs import features
from apps.collabs.models import Level
from tests.conftest import make_user, png

ROLES = ["anonymous", "owner", "moderator", "member", "guest", "outsider", "deactivated"]


def walk(patterns, prefix: str = "", namespace: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield namespace + (p.name or ""), prefix + str(p.pattern)


def expect(default: int | None = None, **per_role: int) -> dict[str, int]:
    return {role: per_role.get(role, default) for role in ROLES}


# Shorthands: a signed-out visitor and a deactivated user both get the login redirect.
SIGNED_OUT = {"anonymous": 302, "deactivated": 302}
MEMBERS_OK = {"owner": 200, "moderator": 200, "member": 200, "guest": 200, "outsider": 404}

# name -> (method, path kwargs, POST data, expected status per role)
# Path kwargs: "collab" is our collab, "target" a user named in the table.
TABLE = {
    "home": ("get", {}, None, expect(302)),
    "healthz": ("get", {}, None, expect(200)),
    "collabs:list": ("get", {}, None, expect(200, **SIGNED_OUT)),
    # Only the person's own collabs, whatever "current" names.
    "collabs:rail": ("get", {}, None, expect(200, **SIGNED_OUT)),
    "collabs:create": (
        "get",
        {},
        None,
        expect(200, guest=403, outsider=403, **SIGNED_OUT),
    ),
    "collabs:detail": ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
    "collabs:settings": (
        "get",
        {"collab_id": "collab"},
        None,
        expect(owner=200, moderator=200, member=403, guest=403, outsider=404, **SIGNED_OUT),
    ),
    "collabs:avatar": ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
    "collabs:pin": (
        "post",
        {"collab_id": "collab"},
        {"pinned": "1"},
        expect(302, outsider=404, **SIGNED_OUT),
    ),
    "collabs:hide": (
        "post",
        {"collab_id": "collab"},
        {"hidden": "0"},
        expect(302, outsider=404, **SIGNED_OUT),
    ),
    "collabs:leave": (
        "get",
        {"collab_id": "collab"},
        None,
        expect(200, owner=403, outsider=404, **SIGNED_OUT),
    ),
    "collabs:transfer": (
        "get",
        {"collab_id": "collab"},
        None,
        expect(403, owner=200, outsider=404, **SIGNED_OUT),
    ),
    "collabs:delete": (
        "get",
        {"collab_id": "collab"},
        None,
        expect(403, owner=200, outsider=404, **SIGNED_OUT),
    ),
    "collabs:members": ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
    # The sidebar's tabs: every member, guests included.
    "collabs:members_tab": (
        "get",
        {"collab_id": "collab"},
        None,
        expect(**MEMBERS_OK, **SIGNED_OUT),
    ),
    "chat:links": ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
    # An empty form: allowed people get the form error (302 back), the others 403/404.
    "collabs:member_add": (
        "post",
        {"collab_id": "collab"},
        {},
        expect(302, guest=403, outsider=404, **SIGNED_OUT),
    ),
    "collabs:member_role": (
        "post",
        {"collab_id": "collab", "user_id": "member"},
        {"role": "member"},
        expect(403, owner=302, outsider=404, **SIGNED_OUT),
    ),
    # Aimed at the owner, whom nobody can remove: allowed roles get the refusal (302 back).
    "collabs:member_remove": (
        "post",
        {"collab_id": "collab", "user_id": "owner"},
        {},
        expect(403, owner=302, moderator=302, outsider=404, **SIGNED_OUT),
    ),
    # The member's avatar: for people who share a collab with them.
    # Aimed at the guest, with no date: moderators and the owner save it (302 back).
    "collabs:member_expiry": (
        "post",
        {"collab_id": "collab", "user_id": "guest"},
        {"until": ""},
        expect(403, owner=302, moderator=302, outsider=404, **SIGNED_OUT),
    ),
    "users:user_avatar": (
        "get",
        {"user_id": "member"},
        None,
        expect(200, outsider=404, **SIGNED_OUT),
    ),
    # The chat. "message" is the member's own message.
    "chat:history": ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
    # An empty message: allowed people get the error (302 back to the chat).
    "chat:send": (
        "post",
        {"collab_id": "collab"},
        {"body": ""},
        expect(302, outsider=404, **SIGNED_OUT),
    ),
    "chat:read": (
        "post",
        {"collab_id": "collab"},
        {"last_id": "0"},
        expect(204, outsider=404, **SIGNED_OUT),
    ),
    "chat:pinned": ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
    "chat:search": ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
    "chat:mention_candidates": (
        "get",
        {"collab_id": "collab"},
        None,
        expect(**MEMBERS_OK, **SIGNED_OUT),
    ),
    # A message's actions page (its "⋯" without JavaScript): whoever reads the message.
    "chat:actions": (
        "get",
        {"collab_id": "collab", "message_id": "message"},
        None,
        expect(**MEMBERS_OK, **SIGNED_OUT),
    ),
    "chat:edit": (
        "get",
        {"collab_id": "collab", "message_id": "message"},
        None,
        expect(403, member=200, outsider=404, **SIGNED_OUT),
    ),
    # Its author and the moderators may delete it ("doomed" is another message of the member,
    # so the table's other rows still find "message").
    "chat:delete": (
        "post",
        {"collab_id": "collab", "message_id": "doomed"},
        {},
        expect(302, guest=403, outsider=404, **SIGNED_OUT),
    ),
    "chat:react": (
        "post",
        {"collab_id": "collab", "message_id": "message"},
        {"emoji": "👍"},
        expect(302, outsider=404, **SIGNED_OUT),
    ),
    "chat:pin": (
        "post",
        {"collab_id": "collab", "message_id": "message"},
        {"pinned": "1"},
        expect(302, outsider=404, **SIGNED_OUT),
    ),
    "chat:revisions": (
        "get",
        {"collab_id": "collab", "message_id": "message"},
        None,
        expect(**MEMBERS_OK, **SIGNED_OUT),
    ),
    # By default the employees of the collab may invite; guests only where the collab says
    # "All members, guests included" (tests/invitations/test_guest_inviters.py). An empty form:
    # the form error, 302 back to the members page.
    "invitations:invite_email": (
        "post",
        {"collab_id": "collab"},
        {},
        expect(302, guest=403, outsider=404, **SIGNED_OUT),
    ),
    "invitations:invite_phone": (
        "post",
        {"collab_id": "collab"},
        {},
        expect(302, guest=403, outsider=404, **SIGNED_OUT),
    ),
    # "invitation" is the owner's: the moderators and the owner manage every invitation, other
    # inviters only their own (someone else's is not found).
    "invitations:resend": (
        "post",
        {"collab_id": "collab", "invitation_id": "invitation"},
        {},
        expect(302, member=404, guest=403, outsider=404, **SIGNED_OUT),
    ),
    "invitations:revoke": (
        "post",
        {"collab_id": "collab", "invitation_id": "invitation"},
        {},
        expect(302, member=404, guest=403, outsider=404, **SIGNED_OUT),
    ),
    # The collab's link: the employees who may invite; never a guest.
    "invitations:link_create": (
        "post",
        {"collab_id": "collab"},
        {},
        expect(302, guest=403, outsider=404, **SIGNED_OUT),
    ),
    "invitations:link_revoke": (
        "post",
        {"collab_id": "collab"},
        {},
        expect(302, guest=403, outsider=404, **SIGNED_OUT),
    ),
    "invitations:link_qr": (
        "get",
        {"collab_id": "collab"},
        None,
        expect(200, guest=403, outsider=404, **SIGNED_OUT),
    ),
    # Anyone may open an invitation link; this one is forged: "not a valid invitation".
    "invitations:accept": ("get", {"token": "forged-token"}, None, expect(404)),
    "accounts:profile": ("get", {}, None, expect(200, **SIGNED_OUT)),
    "accounts:set_language": ("post", {}, {"language": "en"}, expect(302)),
    # allauth's pages.
    "account_login": ("get", {}, None, expect(302, anonymous=200, deactivated=200)),
    "account_logout": ("get", {}, None, expect(200, **SIGNED_OUT)),
    "account_inactive": ("get", {}, None, expect(200)),
    # No open self-registration: the closed page for visitors, home for signed-in people.
    "account_signup": ("get", {}, None, expect(302, anonymous=200, deactivated=200)),
    "account_reauthenticate": ("get", {}, None, expect(200, **SIGNED_OUT)),
    "account_request_reauthentication_code": ("get", {}, None, expect(200, **SIGNED_OUT)),
    # Without a code requested first, back to asking for one.
    "account_confirm_reauthentication_code": ("get", {}, None, expect(302)),
    "account_email": ("get", {}, None, expect(200, **SIGNED_OUT)),
    "account_email_verification_sent": ("get", {}, None, expect(200)),
    "account_change_password": ("get", {}, None, expect(200, **SIGNED_OUT)),
    "account_set_password": ("get", {}, None, expect(302)),
    "account_reset_password": ("get", {}, None, expect(200)),
    "account_confirm_login_code": ("get", {}, None, expect(302)),
    # Forged keys get allauth's "bad link" page, never a server error.
    "account_confirm_email": ("get", {"key": "forged-key"}, None, expect(200)),
    "account_reset_password_from_key_done": ("get", {}, None, expect(200)),
    "account_reset_password_from_key": (
        "get",
        {"uidb36": "zz", "key": "forged-key"},
        None,
        expect(200),
    ),
    "account_reset_password_done": ("get", {}, None, expect(200)),
    # The notification centre: every signed-in person has their own. "notification" is the
    # member's: only she opens it (marked read, then its link); for anybody else it is not
    # found. Marking read is for one's own ids only (another's do nothing: 302 back).
    "notifications:list": ("get", {}, None, expect(200, **SIGNED_OUT)),
    "notifications:panel": ("get", {}, None, expect(200, **SIGNED_OUT)),
    "notifications:settings": ("get", {}, None, expect(200, **SIGNED_OUT)),
    "notifications:open": (
        "get",
        {"notification_id": "notification"},
        None,
        expect(404, member=302, **SIGNED_OUT),
    ),
    "notifications:read": ("post", {}, {"id": "1"}, expect(302)),
    "notifications:read_all": ("post", {}, {}, expect(302)),
    # The feature installed only in the tests (tests/board), mounted by the registry.
    "board:cards": ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
    "board:new": ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
    # Files: every member may download ("file" is the member's upload); the headers, ranges,
    # the trash and the S3 redirect are in tests/files/test_download.py and test_s3.py.
    "files:download": (
        "get",
        {"collab_id": "collab", "file_id": "file"},
        None,
        expect(**MEMBERS_OK, **SIGNED_OUT),
    ),
    # The Files section (apps/files/section.py): members browse and upload (an empty form:
    # the "choose a file" message, 302 back); renaming, moving and deleting are for the
    # employees by default; tests/files/test_section*.py has the rest.
    "files:section": ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
    "files:folder": (
        "get",
        {"collab_id": "collab", "folder_id": "folder"},
        None,
        expect(**MEMBERS_OK, **SIGNED_OUT),
    ),
    "files:upload": ("post", {"collab_id": "collab"}, {}, expect(302, outsider=404)),
    # The sidebar's Files tab; sending files in the chat (an empty form: "choose a file", 302
    # back to the form). tests/files/test_chat_files.py has the rest.
    "files:tab": ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
    "files:chat_upload": ("post", {"collab_id": "collab"}, {}, expect(302, outsider=404)),
    "files:folder_new": ("post", {"collab_id": "collab"}, {}, expect(302, outsider=404)),
    **{
        f"files:{name}": (
            "get",
            {"collab_id": "collab", "folder_id": "folder"},
            None,
            expect(200, guest=403, outsider=404, **SIGNED_OUT),
        )
        for name in ("folder_rename", "folder_delete")
    },
    **{
        f"files:{name}": (
            "get",
            {"collab_id": "collab", "file_id": "file"},
            None,
            expect(200, guest=403, outsider=404, **SIGNED_OUT),
        )
        for name in ("rename", "move", "delete")
    },
    "files:trash": (
        "get",
        {"collab_id": "collab"},
        None,
        expect(200, guest=403, outsider=404, **SIGNED_OUT),
    ),
    # Restoring a file that is not in the trash changes nothing (302 back to the trash).
    "files:restore": (
        "post",
        {"collab_id": "collab", "file_id": "file"},
        {},
        expect(302, guest=403, outsider=404),
    ),
    # Online editing, here without an office server (the default): no host page, and the WOPI
    # endpoints (token only, no session) do not exist. With one configured, every role and
    # token is tried in tests/files/test_wopi.py and test_wopi_host.py.
    "files:edit_online": (
        "get",
        {"collab_id": "collab", "file_id": "file"},
        None,
        expect(404, **SIGNED_OUT),
    ),
    "files:wopi_file": ("get", {"collab_id": "collab", "file_id": "file"}, None, expect(404)),
    "files:wopi_contents": ("get", {"collab_id": "collab", "file_id": "file"}, None, expect(404)),
    # The file's page: the download's rules.
    "files:file": (
        "get",
        {"collab_id": "collab", "file_id": "file"},
        None,
        expect(**MEMBERS_OK, **SIGNED_OUT),
    ),
    # A picture's thumbnail ("picture": its preview made): the download's rules.
    "files:thumbnail": (
        "get",
        {"collab_id": "collab", "file_id": "picture"},
        None,
        expect(**MEMBERS_OK, **SIGNED_OUT),
    ),
}

# Tasks (apps/tasks): the collab's list, board and sidebar tab, for every member who may view
# tasks (all, guests included, by default; tests/tasks/ has the settings and the outsiders).
for _name in ("tasks:list", "tasks:board", "tasks:tab"):
    TABLE[_name] = ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT))
# The task's own pages and actions ("task": the owner's, the member responsible). By default
# everyone in the collab views, creates and comments; the creator and the employees edit; the
# people doing it (and editors) move it; the moderators delete. Forms sent empty get their
# error (302 back). tests/tasks/test_views.py has the settings' combinations.
_TASK = {"collab_id": "collab", "task_id": "task"}
_EDITORS = expect(302, guest=403, outsider=404, **SIGNED_OUT)
TABLE.update(
    {
        "tasks:create": ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
        "tasks:detail": ("get", _TASK, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
        "tasks:edit": ("get", _TASK, None, expect(200, guest=403, outsider=404, **SIGNED_OUT)),
        "tasks:status": ("post", _TASK, {"status": "in_progress"}, _EDITORS),
        "tasks:move": ("post", _TASK, {"status": "review"}, _EDITORS),
        "tasks:delete": (
            "get",
            _TASK,
            None,
            expect(403, owner=200, moderator=200, outsider=404, **SIGNED_OUT),
        ),
        "tasks:checklist_add": ("post", _TASK, {"text": "An item"}, _EDITORS),
        "tasks:checklist_item": (
            "post",
            {**_TASK, "item_id": 999999},
            {},
            expect(302, outsider=404, **SIGNED_OUT),
        ),
        "tasks:comment": ("post", _TASK, {"body": ""}, expect(302, outsider=404, **SIGNED_OUT)),
        "tasks:files": ("post", _TASK, {}, expect(302, outsider=404, **SIGNED_OUT)),
        # A file not attached to the task: not found for editors; others are refused first.
        "tasks:file_remove": (
            "post",
            {**_TASK, "file_id": "file"},
            {},
            expect(404, guest=403, **SIGNED_OUT),
        ),
    }
)
# "My tasks": everyone's own page, across their own collabs only.
TABLE["my_tasks:mine"] = ("get", {}, None, expect(200, **SIGNED_OUT))

# The collab's calendar and tab (whoever may view meetings), My calendar (everyone's own).
for _name in ("calendar:agenda", "calendar:week", "calendar:month", "calendar:tab"):
    TABLE[_name] = ("get", {"collab_id": "collab"}, None, expect(**MEMBERS_OK, **SIGNED_OUT))
TABLE["my_calendar:mine"] = ("get", {}, None, expect(200, **SIGNED_OUT))
TABLE["my_calendar:mine_month"] = ("get", {}, None, expect(200, **SIGNED_OUT))

# Meetings ("meeting": the owner's, the member invited). Planning and viewing: everyone in
# the collab (guests too); editing anyone's: employees; cancelling: owner and moderators.
_MEETING = {"collab_id": "collab", "meeting_id": "meeting"}
TABLE.update(
    {
        "calendar:create": (
            "get",
            {"collab_id": "collab"},
            None,
            expect(**MEMBERS_OK, **SIGNED_OUT),
        ),
        "calendar:detail": ("get", _MEETING, None, expect(**MEMBERS_OK, **SIGNED_OUT)),
        "calendar:edit": (
            "get",
            _MEETING,
            None,
            expect(200, guest=403, outsider=404, **SIGNED_OUT),
        ),
        "calendar:cancel": (
            "post",
            {"collab_id": "collab", "meeting_id": "doomed_meeting"},
            {},
            expect(302, member=403, guest=403, outsider=404, **SIGNED_OUT),
        ),
        # Everyone in the collab is answered (not invited: "you are not invited", a redirect).
        "calendar:respond": (
            "post",
            _MEETING,
            {"answer": "accepted"},
            expect(302, outsider=404, **SIGNED_OUT),
        ),
        "calendar:links": (
            "get",
            {"collab_id": "collab"},
            None,
            expect(**MEMBERS_OK, **SIGNED_OUT),
        ),
        "calendar:link_create": (
            "get",
            {"collab_id": "collab"},
            None,
            expect(**MEMBERS_OK, **SIGNED_OUT),
        ),
        # The owner's link: its owner, or whoever may cancel meetings, turns it off.
        "calendar:link_off": (
            "post",
            {"collab_id": "collab", "link_id": "doomed_link"},
            {},
            expect(302, member=403, guest=403, outsider=404, **SIGNED_OUT),
        ),
        # Pages anyone with the link opens, signed in or not (the token is the key).
        "my_calendar:rsvp": ("get", {"token": "rsvp_token"}, None, expect(200)),
        "my_calendar:book": ("get", {"token": "book_token"}, None, expect(200)),
        "my_calendar:booking": ("get", {"token": "booking_token"}, None, expect(200)),
        # The feed: a forged token is a 404 for everyone; a new address for oneself.
        "my_calendar:feed": ("get", {"token": "forged-token"}, None, expect(404)),
        "my_calendar:feed_reset": ("post", {}, {}, expect(302)),
        # Everyone's own working hours.
        "my_calendar:hours": ("get", {}, None, expect(200, **SIGNED_OUT)),
        "my_calendar:hours_date": (
            "post",
            {},
            {"day": "2000-01-01", "kind": "off"},
            expect(200, **SIGNED_OUT),
        ),
        "my_calendar:hours_date_remove": ("post", {}, {"day": "2000-01-01"}, expect(302)),
    }
)

# The built-in text editor: read-only for those who may view but not edit files (the guest);
# saving by role is in tests/files/test_editor.py.
TABLE["files:edit_text"] = (
    "get",
    {"collab_id": "collab", "file_id": "file"},
    None,
    expect(**MEMBERS_OK, **SIGNED_OUT),
)
TABLE["files:new_text"] = (
    "get",
    {"collab_id": "collab"},
    None,
    expect(**MEMBERS_OK, **SIGNED_OUT),
)

# Django admin: staff only; everyone in these fixtures is not staff and is sent to its login.
ADMIN_RULE = ("get", expect(302))


def all_url_names() -> list[str]:
    return sorted({name for name, _ in walk(get_resolver().url_patterns)})


def test_every_url_has_an_entry_in_the_table():
    names = [n for n in all_url_names() if not n.startswith("admin:")]
    missing = [n for n in names if n not in TABLE]
    assert not missing, f"URLs without an access rule in TABLE: {missing}"
    unnamed = [route for name, route in walk(get_resolver().url_patterns) if not name]
    assert not unnamed, f"URL patterns without a name cannot be checked: {unnamed}"
    stale = [n for n in TABLE if n not in names]
    assert not stale, f"TABLE entries for URLs that no longer exist: {stale}"


@pytest.fixture
def world(people, collab, other_collab):
    people["member"].avatar = png("member.png")
    people["member"].save()
    collab.avatar = png("collab.png")
    collab.save()
    from apps.chat.services import send_message

    message = send_message(collab, people["member"], "Hello from the member")
    doomed = send_message(collab, people["member"], "This one gets deleted")
    from apps.invitations.services import create_link, invite_by_email

    invitation = invite_by_email(collab, people["owner"], "ivan@example.com", name="Ivan")
    create_link(collab, people["owner"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.files.services import create_folder, upload

    file = upload(collab, people["member"], SimpleUploadedFile("notes.txt", b"Notes"))
    folder = create_folder(collab, people["owner"], "Designs")
    from apps.notifications.services import notify
    from apps.tasks.services import create_task
    from tests.notifications.demo import CARD

    (notification,) = notify(
        [people["member"]], CARD, collab=collab, actor=people["owner"], data={"title": "Brief"}
    )
    # The owner's task, the member responsible for it.
    task = create_task(
        collab, people["owner"], title="Launch the site", responsible_id=people["member"].pk
    )
    from apps.calendar import booking as bookings
    from apps.calendar.services import create_meeting

    meeting = create_meeting(
        collab,
        people["owner"],
        title="Review",
        start=_soon(2),
        end=_soon(2, 1),
        attendee_ids=[people["member"].pk],
        emails=["client@example.org"],
    )
    doomed_meeting = create_meeting(
        collab, people["owner"], title="Doomed", start=_soon(3), end=_soon(3, 1)
    )
    slot_link = bookings.create_link(collab, people["owner"], title="Intro", min_notice=0)
    doomed_link = bookings.create_link(collab, people["owner"], title="Doomed")
    booked = bookings.book(
        slot_link.token,
        bookings.offered(slot_link)[0].start,
        name="Client",
        email="client@example.org",
        zone="UTC",
    )
    return {
        "meeting": meeting,
        "doomed_meeting": doomed_meeting,
        "doomed_link": doomed_link,
        "rsvp_token": meeting.attendees.get(email="client@example.org").token,
        "slot_link": slot_link,
        "book_token": slot_link.token,
        "booking_token": booked.token,
        "notification": notification,
        "task": task,
        "file": file,
        "folder": folder,
        "picture": _picture(collab, people["member"]),
        "collab": collab,
        "message": message,
        "doomed": doomed,
        "invitation": invitation,
        **people,
    }


def _soon(days: int, hours: int = 0):
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=days)
    return start + timedelta(hours=hours)


def _picture(collab, user):
    """An image file with its thumbnail made (the task runs after a commit the tests' own
    transaction never makes)."""
    from apps.files.previews import make_preview
    from apps.files.services import upload

    picture = upload(collab, user, png("picture.png"))
    make_preview(picture.current_version_id)
    return picture


def _path(name: str, kwargs: dict, world) -> str:
    from django.urls import reverse

    resolved = {}
    for key, value in kwargs.items():
        found = world.get(value, value)
        resolved[key] = getattr(found, "pk", found)
    return reverse(name, kwargs=resolved)


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_as_the_table_says(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])
    wrong = []
    for name in all_url_names():
        if name.startswith("admin:"):
            continue
        method, kwargs, data, statuses = TABLE[name]
        response = getattr(client, method)(_path(name, kwargs, world), data or {})
        if response.status_code != statuses[role]:
            wrong.append(f"{name}: {response.status_code}, expected {statuses[role]}")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_sends_everyone_but_staff_to_its_login(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])
    for url in [
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/collabs/collab/{world['collab'].pk}/change/",
    ]:
        response = client.get(url)
        assert response.status_code == ADMIN_RULE[1][role]
        assert response["Location"].startswith("/admin/login/")


def test_staff_open_the_admin(client, db):
    admin = make_user("root@example.com", "Root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/accounts/user/").status_code == 200


# --- Every registered feature's rights, learnt from the registry ------------------------------

# Who a level lets in, by role (the deactivated user and the outsider never).
LEVEL_ALLOWS = {
    Level.OWNER: {"owner"},
    Level.MODERATORS: {"owner", "moderator"},
    Level.EMPLOYEES: {"owner", "moderator", "member"},
    Level.MEMBERS: {"owner", "moderator", "member", "guest"},
}


def feature_rights():
    return [(feature, right) for feature in features.features() for right in feature.rights]


def test_the_registry_has_a_feature_to_check():
    assert feature_rights(), "tests/settings.py installs the board feature"


@pytest.mark.parametrize("level", list(LEVEL_ALLOWS))
def test_every_feature_right_follows_its_level_for_every_kind_of_person(world, level):
    """Each right of each installed feature, set to each level, answers for each kind of
    person as the level says; a new feature is checked here without a line added."""
    from apps.collabs.models import Collab
    from apps.collabs.services import change_settings

    collab = world["collab"]
    for feature, right in feature_rights():
        change_settings(collab, world["owner"], features={feature.key: {right.verb: level}})
        fresh = Collab.objects.get(pk=collab.pk)
        for role in ROLES:
            if role == "anonymous":
                continue
            person = world[role]
            person.refresh_from_db()
            allowed = person.has_perm(right.perm, fresh)
            assert allowed == (role in LEVEL_ALLOWS[level]), (right.perm, level, role)


def test_a_feature_right_unknown_to_the_table_is_refused_everywhere(world):
    from apps.collabs.permissions import can

    with pytest.raises(ValueError):
        can(world["owner"], "nofeature.view_thing", world["collab"])
