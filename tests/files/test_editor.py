"""The built-in text editor: saving text as a new version, stale saves refused with the text
kept, double submits, files it does not edit; the page from every role and from outside."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.urls import reverse

from apps.collabs.permissions import rights_of
from apps.collabs.services import change_settings, remove_member
from apps.files import editor, services
from apps.files.actions import actions_for
from apps.files.models import File, FileVersion
from tests.files.conftest import PNG, upload_of

NOTES = b"# Notes\n\nFirst line.\n"


@pytest.fixture
def notes(collab, member):
    return services.upload(collab, member, upload_of("notes.md", NOTES))


def read(version: FileVersion) -> bytes:
    with version.blob.open("rb") as handle:
        return handle.read()


def url(collab, file) -> str:
    return reverse("files:edit_text", kwargs={"collab_id": collab.pk, "file_id": file.pk})


# --- The service ---------------------------------------------------------------------------------


def test_saving_makes_a_new_version_with_its_author_and_the_same_name(collab, owner, notes):
    version = editor.save_text(collab, owner, notes.pk, "# Notes\n\nSecond.\n", 1)
    notes.refresh_from_db()
    assert version.number == 2
    assert notes.current_version == version
    assert version.uploaded_by == owner
    assert notes.name == "notes.md"
    assert read(version) == b"# Notes\n\nSecond.\n"
    assert version.content_type == "text/plain"
    # The first version stays as it was.
    assert read(notes.versions.get(number=1)) == NOTES


def test_a_textarea_s_line_ends_become_the_file_s_own(collab, owner, member):
    unix = services.upload(collab, member, upload_of("a.txt", b"one\ntwo\n"))
    windows = services.upload(collab, member, upload_of("b.txt", b"\xef\xbb\xbfone\r\ntwo\r\n"))
    doc = editor.read_text(editor.get_file(owner, collab, windows.pk))
    assert (doc.text, doc.newline, doc.bom) == ("one\r\ntwo\r\n", "\r\n", True)
    # Browsers send "\r\n" whatever the textarea was given.
    v1 = editor.save_text(collab, owner, unix.pk, "one\r\nthree\r\n", 1)
    v2 = editor.save_text(
        collab, owner, windows.pk, "one\r\nthree\r\n", 1, newline="\r\n", bom=True
    )
    assert read(v1) == b"one\nthree\n"
    assert read(v2) == b"\xef\xbb\xbfone\r\nthree\r\n"


def test_a_save_from_a_version_that_is_no_longer_current_is_refused(
    collab, owner, moderator, notes, media
):
    editor.save_text(collab, moderator, notes.pk, "Theirs", 1)
    blobs = media()
    with pytest.raises(editor.StaleEdit) as refused:
        editor.save_text(collab, owner, notes.pk, "Mine", 1)
    assert refused.value.current.number == 2
    assert refused.value.current.uploaded_by == moderator
    assert "Someone saved a new version while you were editing" in refused.value.messages[0]
    assert notes.versions.count() == 2
    assert media() == blobs  # nothing stored for the refused save
    # Saving over it, knowingly: from version 2.
    assert editor.save_text(collab, owner, notes.pk, "Mine", 2).number == 3


def test_the_base_is_checked_again_under_the_lock(collab, owner, notes, monkeypatch, media):
    """A save that passed the first check while another was being made is refused inside
    new_version's transaction, and its blob is deleted."""
    real_new_version = services.new_version

    def another_saves_first(*args, **kwargs):
        real_new_version(collab, owner, notes.pk, upload_of("notes.md", b"Theirs"))
        return real_new_version(*args, **kwargs)

    monkeypatch.setattr(services, "new_version", another_saves_first)
    with pytest.raises(editor.StaleEdit):
        editor.save_text(collab, owner, notes.pk, "Mine", 1)
    assert sorted(notes.versions.values_list("number", flat=True)) == [1, 2]
    assert len(media()) == 2


def test_new_version_checks_its_base_number(collab, owner, notes):
    with pytest.raises(services.StaleVersion) as refused:
        services.new_version(collab, owner, notes.pk, upload_of("x.md", b"x"), base_number=7)
    assert refused.value.current == 1
    version = services.new_version(collab, owner, notes.pk, upload_of("x.md", b"x"), base_number=1)
    assert version.number == 2


def test_a_double_submit_makes_one_version(collab, owner, notes):
    first = editor.save_text(collab, owner, notes.pk, "Once", 1)
    again = editor.save_text(collab, owner, notes.pk, "Once", 1)
    assert again == first
    assert notes.versions.count() == 2


def test_the_same_text_from_someone_else_is_still_a_conflict(collab, owner, moderator, notes):
    editor.save_text(collab, moderator, notes.pk, "Same", 1)
    with pytest.raises(editor.StaleEdit):
        editor.save_text(collab, owner, notes.pk, "Same", 1)


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_from_the_same_version_make_one_version(collab, owner, moderator, notes):
    """Real concurrent requests (threads, each with its own connection): one wins."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip("an in-memory SQLite database is not shared between threads")
    barrier = threading.Barrier(2)
    outcomes = []

    def save(user, text):
        try:
            barrier.wait()
            outcomes.append(editor.save_text(collab, user, notes.pk, text, 1).number)
        except editor.StaleEdit:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(owner, "Owner's")),
        threading.Thread(target=save, args=(moderator, "Moderator's")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [2, "stale"]
    assert FileVersion.objects.filter(file=notes).count() == 2


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("  \n\n ", "empty"),
        ("a\x00b", "nul"),
        ("x" * (editor.MAX_BYTES + 1), "too_large"),
    ],
)
def test_text_the_editor_does_not_take_is_refused(collab, owner, notes, text, code):
    with pytest.raises(ValidationError) as refused:
        editor.save_text(collab, owner, notes.pk, text, 1)
    assert refused.value.code == code
    assert notes.versions.count() == 1


def test_a_save_without_its_base_is_refused(collab, owner, notes):
    with pytest.raises(ValidationError) as refused:
        editor.save_text(collab, owner, notes.pk, "text", None)
    assert refused.value.code == "no_base"


def test_a_file_that_is_not_text_is_not_saved_as_text(collab, owner, member):
    picture = services.upload(collab, member, upload_of("a.png", PNG))
    with pytest.raises(ValidationError) as refused:
        editor.save_text(collab, owner, picture.pk, "text", 1)
    assert refused.value.code == editor.NOT_TEXT
    assert picture.versions.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("notes.md", b"# Title", ""),
        ("data.csv", b"a,b\n1,2\n", ""),
        ("config.yaml", b"a: 1\n", ""),
        ("script.py", b"print(1)\n", ""),
        ("README", b"Read me\n", ""),
        ("page.html", b"<!doctype html><p>hi", ""),
        ("a.png", PNG, editor.NOT_TEXT),
        ("report.pdf", b"%PDF-1.7\n", editor.NOT_TEXT),
        # Text inside, but a name that says otherwise.
        ("report.docx", b"plain words", editor.NOT_TEXT),
        ("archive.zip", b"plain words", editor.NOT_TEXT),
        # Windows-1251: not UTF-8 (the sniffer's 8 KB head holds it all).
        ("cp1251.txt", "Привет".encode("cp1251"), editor.NOT_TEXT),
        # UTF-8 at the start, not after the sniffer's head.
        ("late.txt", b"a" * 9000 + "Привет".encode("cp1251"), editor.NOT_UTF8),
    ],
)
def test_which_files_open_in_the_editor(collab, member, name, content, problem):
    file = services.upload(collab, member, upload_of(name, content))
    doc = editor.read_text(editor.get_file(member, collab, file.pk))
    assert doc.problem == problem
    if not problem:
        assert doc.text == content.decode()


def test_a_file_over_the_editor_s_limit_is_not_read(collab, member, monkeypatch):
    file = services.upload(collab, member, upload_of("big.txt", b"a" * 2000))
    monkeypatch.setattr(editor, "MAX_BYTES", 1000)
    doc = editor.read_text(editor.get_file(member, collab, file.pk))
    assert doc.problem == editor.TOO_LARGE
    assert "too large to edit here" in doc.message


def test_the_edit_action_is_offered_for_text_files_to_those_who_may_edit(
    collab, owner, guest, member, django_assert_num_queries
):
    text = services.upload(collab, member, upload_of("a.md", b"x"))
    picture = services.upload(collab, member, upload_of("a.png", PNG))
    files = {f.pk: f for f in services.list_files(owner, collab)}
    owner_rights, guest_rights = rights_of(owner, collab), rights_of(guest, collab)
    with django_assert_num_queries(0):
        owner_text = [a.key for a, _ in actions_for(files[text.pk], owner_rights)]
        owner_picture = [a.key for a, _ in actions_for(files[picture.pk], owner_rights)]
        guest_text = [a.key for a, _ in actions_for(files[text.pk], guest_rights)]
    assert "edit_text" in owner_text
    assert "edit_text" not in owner_picture
    assert "edit_text" not in guest_text  # guests may not edit files by default
    action = dict(actions_for(files[text.pk], owner_rights))
    assert url(collab, text) in action.values()


def test_the_service_checks_the_rights(collab, guest, other_owner, other_collab, notes):
    with pytest.raises(PermissionDenied):
        editor.save_text(collab, guest, notes.pk, "text", 1)
    # A file of another collab is not found through one's own collab.
    with pytest.raises(Http404):
        editor.save_text(other_collab, other_owner, notes.pk, "text", 1)
    assert notes.versions.count() == 1


def test_preview_is_sanitized_markdown():
    html = editor.render_preview("# Title\n\n**bold** <script>alert(1)</script>")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html


# --- The page ------------------------------------------------------------------------------------


def test_an_editor_sees_the_text_in_a_labelled_textarea(client, collab, owner, notes):
    client.force_login(owner)
    response = client.get(url(collab, notes))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="editor-text">Text</label>' in html
    # The text after the newline a textarea's opening tag swallows.
    assert '">\n# Notes\n\nFirst line.\n</textarea>' in html
    assert 'name="base" value="1"' in html
    assert ">Preview</button>" in html
    assert "js/editor.js" in html


def test_a_file_starting_with_a_blank_line_keeps_it(client, collab, owner, member):
    file = services.upload(collab, member, upload_of("a.txt", b"\n\nafter two blank lines"))
    client.force_login(owner)
    html = client.get(url(collab, file)).content.decode()
    assert '">\n\n\nafter two blank lines</textarea>' in html


def test_saving_through_the_page(client, collab, owner, notes):
    client.force_login(owner)
    response = client.post(
        url(collab, notes), {"text": "# Notes\r\n\r\nNew.", "base": "1", "newline": "lf"}
    )
    assert response.status_code == 302
    assert response["Location"] == url(collab, notes) + "?saved=1"
    notes.refresh_from_db()
    assert notes.current_version.number == 2
    assert read(notes.current_version) == b"# Notes\n\nNew."
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Saved as version 2." in html
    assert 'name="base" value="2"' in html
    assert "?version=2" in html


def test_a_stale_save_keeps_the_text_and_offers_to_save_over_it(
    client, collab, owner, moderator, notes
):
    editor.save_text(collab, moderator, notes.pk, "Their version", 1)
    client.force_login(owner)
    response = client.post(url(collab, notes), {"text": "My <b>precious</b> text", "base": "1"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone saved a new version while you were editing." in html
    assert "Version 2 was saved by Maxim Moderator" in html
    # The person's text, escaped, in the textarea; theirs beside it; a link to download it.
    assert '">\nMy &lt;b&gt;precious&lt;/b&gt; text</textarea>' in html
    assert '">\nTheir version</textarea>' in html
    assert "?version=2" in html
    assert 'name="base" value="1"' in html
    assert 'name="overwrite" value="2"' in html
    assert notes.versions.count() == 2

    # "Save over it".
    response = client.post(url(collab, notes), {"text": "My text", "base": "1", "overwrite": "2"})
    assert response.status_code == 302
    notes.refresh_from_db()
    assert notes.current_version.number == 3
    assert read(notes.current_version) == b"My text"


def test_a_refused_text_stays_on_screen(client, collab, owner, notes):
    client.force_login(owner)
    response = client.post(url(collab, notes), {"text": "a\x00b kept", "base": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "NUL character" in html
    assert "b kept</textarea>" in html


def test_a_double_submit_through_the_page_makes_one_version(client, collab, owner, notes):
    client.force_login(owner)
    data = {"text": "Twice", "base": "1"}
    assert client.post(url(collab, notes), data).status_code == 302
    assert client.post(url(collab, notes), data).status_code == 302
    assert notes.versions.count() == 2


def test_preview_without_javascript_and_with_htmx(client, collab, owner, notes):
    client.force_login(owner)
    data = {"text": "## Draft\n\n<script>x</script>", "base": "1", "action": "preview"}
    page = client.post(url(collab, notes), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h2>Draft</h2>" in html
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;</textarea>" in html  # the text kept
    fragment = client.post(url(collab, notes), data, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert body.startswith("<h2>Draft</h2>")
    assert "&lt;script&gt;" in body and "<script>" not in body
    assert "<textarea" not in body and "<html" not in body
    assert notes.versions.count() == 1  # a preview saves nothing


def test_files_it_does_not_edit_get_a_clear_message(client, collab, owner, member):
    picture = services.upload(collab, member, upload_of("a.png", PNG))
    client.force_login(owner)
    response = client.get(url(collab, picture))
    html = response.content.decode()
    assert "cannot be edited here: it is not a text file" in html
    assert "<textarea" not in html
    assert reverse("files:download", args=[collab.pk, picture.pk]) in html


def test_a_member_who_may_not_edit_reads_the_file(client, collab, guest, notes):
    client.force_login(guest)
    response = client.get(url(collab, notes))
    assert response.status_code == 200
    html = response.content.decode()
    assert "You may view this file but not edit it" in html
    assert "<h1>Notes</h1>" in html  # the Markdown, rendered
    assert "readonly" in html
    assert 'name="text"' not in html
    assert ">Save</button>" not in html
    response = client.post(url(collab, notes), {"text": "forged", "base": "1"})
    assert response.status_code == 403
    assert notes.versions.count() == 1


@pytest.mark.parametrize("role", ["owner", "moderator", "member"])
def test_every_employee_may_edit_by_default(client, collab, people, role, notes):
    client.force_login(people[role])
    assert 'name="text"' in client.get(url(collab, notes)).content.decode()
    assert client.post(url(collab, notes), {"text": role, "base": "1"}).status_code == 302


def test_the_collab_s_settings_decide_who_edits(client, collab, owner, member, guest, notes):
    change_settings(collab, owner, features={"files": {"edit": "members"}})
    client.force_login(guest)
    assert client.post(url(collab, notes), {"text": "guest's", "base": "1"}).status_code == 302
    change_settings(collab, owner, features={"files": {"view": "employees", "edit": "owner"}})
    client.force_login(guest)
    assert client.get(url(collab, notes)).status_code == 403
    client.force_login(member)
    assert client.post(url(collab, notes), {"text": "x", "base": "2"}).status_code == 403


def test_outsiders_get_nothing(
    client, collab, other_collab, owner, guest, outsider, deactivated, notes
):
    address = url(collab, notes)
    data = {"text": "forged", "base": "1"}
    # A guest of another collab, also through their own collab's URL.
    client.force_login(outsider)
    assert client.get(address).status_code == 404
    assert client.post(address, data).status_code == 404
    assert client.get(url(other_collab, notes)).status_code == 404
    assert client.post(url(other_collab, notes), data).status_code == 404
    # A removed member, still signed in.
    client.force_login(guest)
    remove_member(collab, owner, guest)
    assert client.get(address).status_code == 404
    assert client.post(address, data).status_code == 404
    # A deactivated user and anonymous: the login page.
    for person in (deactivated, None):
        client.logout()
        if person:
            client.force_login(person)
        for response in (client.get(address), client.post(address, data)):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
    assert notes.versions.count() == 1


def test_a_file_in_the_trash_is_not_edited(client, collab, owner, notes):
    services.trash(collab, owner, notes.pk)
    client.force_login(owner)
    assert client.get(url(collab, notes)).status_code == 404
    assert client.post(url(collab, notes), {"text": "x", "base": "1"}).status_code == 404


@pytest.mark.parametrize("count", [1, 15])
def test_the_editor_page_query_count_is_pinned(
    client, collab, owner, notes, count, django_assert_num_queries
):
    for n in range(count):
        editor.save_text(collab, owner, notes.pk, f"text {n}", n + 1)
    client.force_login(owner)
    client.get(url(collab, notes))  # the session's first use
    with django_assert_num_queries(EDITOR_PAGE_QUERIES):
        response = client.get(url(collab, notes))
    assert response.status_code == 200


# Session, user, membership with the collab, the file with its version and author, the
# versions listed; then the frame: the list of collabs beside the page (with the member count
# the header shows) and their last messages; the top bar's bell and "My tasks" counts. Reading
# the text is no query.
EDITOR_PAGE_QUERIES = 9


# --- A new text file -----------------------------------------------------------------------------


def new_url(collab) -> str:
    return reverse("files:new_text", kwargs={"collab_id": collab.pk})


def test_a_member_creates_a_text_file_and_goes_on_in_the_editor(client, collab, guest):
    client.force_login(guest)
    page = client.get(new_url(collab))
    assert page.status_code == 200
    assert 'value="Notes.md"' in page.content.decode()
    response = client.post(new_url(collab), {"name": "Meeting notes", "text": "# Agenda\r\n"})
    file = File.objects.get(collab=collab, name="Meeting notes.md")
    assert response["Location"] == url(collab, file)
    assert read(file.current_version) == b"# Agenda\n"
    assert file.current_version.uploaded_by == guest
    assert "Created Meeting notes.md." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("name", "text", "error"),
    [
        ("", "text", "Give it a name."),
        ("picture.png", "text", "name ends in .md, .txt"),
        ("notes.md", "", "An empty file cannot be saved"),
        ("notes.md", "a\x00", "NUL character"),
    ],
)
def test_a_new_file_refused_keeps_what_was_typed(client, collab, member, name, text, error):
    client.force_login(member)
    response = client.post(new_url(collab), {"name": name, "text": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert f'value="{name}"' in html
    assert f"required>\n{text}</textarea>" in html
    assert not File.objects.filter(collab=collab).exists()


def test_new_file_names(collab):
    assert editor.new_file_name("  Plan ") == "Plan.md"
    assert editor.new_file_name("data.csv") == "data.csv"
    assert editor.new_file_name("../../etc/passwd.txt") == "passwd.txt"
    with pytest.raises(ValidationError):
        editor.new_file_name("report.docx")


def test_creating_needs_the_upload_right(client, collab, owner, guest, outsider, deactivated):
    change_settings(collab, owner, features={"files": {"create": "employees"}})
    client.force_login(guest)
    assert client.get(new_url(collab)).status_code == 403
    assert client.post(new_url(collab), {"name": "a.md", "text": "x"}).status_code == 403
    client.force_login(outsider)
    assert client.post(new_url(collab), {"name": "a.md", "text": "x"}).status_code == 404
    for person in (deactivated, None):
        client.logout()
        if person:
            client.force_login(person)
        response = client.post(new_url(collab), {"name": "a.md", "text": "x"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not File.objects.filter(collab=collab).exists()
