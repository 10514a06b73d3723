"""The host page (files:edit_online) and the "Edit online" action: offered only with an office
server whose discovery opens the file's type; the page is for the collab's members only, posts
a token made for the person, and opens its CSP to the office server on this page alone."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from apps.accounts.services import deactivate_user
from apps.collabs.permissions import rights_of
from apps.collabs.services import remove_member
from apps.files import services
from apps.files.actions import actions_for, registered
from apps.files.wopi import discovery, tokens
from tests.files import wopi_support
from tests.files.conftest import PDF, upload_of
from tests.files.wopi_support import OFFICE, forget_discovery

# The fixtures (an office server with its proof keys) of wopi_support.
office = wopi_support.office
old_proof_key = wopi_support.old_proof_key
proof_key = wopi_support.proof_key

DOCX = b"PK\x03\x04" + b"docx" * 50


@pytest.fixture
def doc(collab, member):
    return services.upload(collab, member, upload_of("Report.docx", DOCX))


def page(file) -> str:
    return reverse("files:edit_online", kwargs={"collab_id": file.collab_id, "file_id": file.pk})


def form_fields(html: str) -> dict:
    return {
        name: unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html)
    }


def csp_of(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def response_csp(policy: dict) -> str:
    return " ".join(value for values in policy.values() for value in values)


# --- The page -----------------------------------------------------------------------------------


def test_an_editor_gets_the_editor_with_an_edit_token(client, office, doc, member):
    client.force_login(member)
    response = client.get(page(doc))
    assert response.status_code == 200
    html = response.content.decode()
    action = unescape(re.search(r'<form class="wopi-form" method="post" action="([^"]+)"', html)[1])
    assert action.startswith(f"{OFFICE}/we/edit.aspx?ui=en-US&rs=en-US&wopisrc=")
    assert "http%3A%2F%2Ftestserver%2Fcollabs%2F" in action
    fields = form_fields(html)
    token = tokens.read(fields["access_token"])
    assert (token.user_id, token.file_id, token.collab_id, token.right) == (
        member.pk,
        doc.pk,
        doc.collab_id,
        tokens.EDIT,
    )
    assert int(fields["access_token_ttl"]) == token.ttl_ms
    assert 'target="wopi-editor"' in html and 'name="wopi-editor"' in html
    assert 'title="Editor of “Report.docx”"' in html
    assert "js/wopi-host.js" in html
    # The token never goes into a URL, and nothing keeps the page.
    assert fields["access_token"] not in action
    assert response["Cache-Control"] == "no-store"


def test_the_page_opens_its_csp_to_the_office_server_only(client, office, doc, member, collab):
    client.force_login(member)
    policy = csp_of(client.get(page(doc)))
    assert policy["frame-src"] == [OFFICE]
    assert policy["form-action"] == ["'self'", OFFICE]
    assert policy["script-src"] == ["'self'"]  # no inline script: the form is sent by a file
    assert "'unsafe-inline'" not in response_csp(policy)
    # Other pages keep the strict policy.
    other = csp_of(client.get(reverse("collabs:detail", kwargs={"collab_id": collab.pk})))
    assert "frame-src" not in other
    assert other["form-action"] == ["'self'"]


def test_the_page_has_no_inline_script():
    template = Path(django_settings.BASE_DIR, "templates/files/wopi/edit.html").read_text()
    assert "<script>" not in template and "onload" not in template
    assert "<script src=" in template


def test_a_guest_gets_the_viewer_with_a_view_token(client, office, doc, guest):
    client.force_login(guest)
    response = client.get(page(doc))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{OFFICE}/wv/view.aspx" in unescape(html)
    assert tokens.read(form_fields(html)["access_token"]).right == tokens.VIEW
    assert "Read only" in html


def test_a_type_the_office_server_does_not_open_is_404(client, office, collab, member):
    notes = services.upload(collab, member, upload_of("notes.txt", b"hello"))
    client.force_login(member)
    response = client.get(page(notes))
    assert response.status_code == 404
    assert "cannot be opened online" in response.content.decode()


def test_a_file_only_viewable_opens_the_viewer(client, office, collab, member):
    pdf = services.upload(collab, member, upload_of("scan.pdf", PDF))
    client.force_login(member)
    html = client.get(page(pdf)).content.decode()
    assert tokens.read(form_fields(html)["access_token"]).right == tokens.VIEW


def test_without_an_office_server_there_is_no_page(client, settings, doc, member):
    settings.WOPI_DISCOVERY_URL = ""
    client.force_login(member)
    assert client.get(page(doc)).status_code == 404


def test_an_office_server_that_is_down_gets_a_clear_page(client, office, doc, member):
    office.status = 502
    forget_discovery()
    client.force_login(member)
    response = client.get(page(doc))
    assert response.status_code == 503
    assert "not answering" in response.content.decode()


def test_outsiders_get_404(client, office, doc, collab, owner, member, outsider, deactivated):
    client.force_login(outsider)
    assert client.get(page(doc)).status_code == 404
    remove_member(collab, owner, member)
    client.force_login(member)
    assert client.get(page(doc)).status_code == 404


def test_a_deactivated_user_and_anonymous_are_sent_to_sign_in(client, office, doc, member):
    response = client.get(page(doc))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(member)
    deactivate_user(member)
    response = client.get(page(doc))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_file_in_the_trash_or_of_another_collab_is_404(
    client, office, doc, collab, owner, member, other_collab, other_owner
):
    theirs = services.upload(other_collab, other_owner, upload_of("Zeta.docx", DOCX))
    client.force_login(member)
    url = reverse("files:edit_online", kwargs={"collab_id": collab.pk, "file_id": theirs.pk})
    assert client.get(url).status_code == 404
    services.trash(collab, owner, doc.pk)
    assert client.get(page(doc)).status_code == 404


def test_the_page_answers_only_get(client, office, doc, member):
    client.force_login(member)
    assert client.post(page(doc)).status_code == 405


# --- The "Edit online" action -------------------------------------------------------------------


def edit_online_offered(file, user, collab) -> bool:
    file = services.list_files(user, collab).get(pk=file.pk)  # with current_version, as listed
    return any(
        action.key == "edit_online" for action, _url in actions_for(file, rights_of(user, collab))
    )


def test_the_action_is_registered():
    action = next(a for a in registered() if a.key == "edit_online")
    assert action.url_name == "files:edit_online"
    assert action.right == "files.change_file"


def test_without_an_office_server_edit_online_is_not_offered(settings, doc, member, collab):
    settings.WOPI_DISCOVERY_URL = ""
    assert not edit_online_offered(doc, member, collab)


def test_it_is_offered_once_the_discovery_is_cached(office, doc, member, collab):
    assert not edit_online_offered(doc, member, collab)  # nothing cached yet: warming starts
    discovery._last_thread.join(5)
    assert edit_online_offered(doc, member, collab)


def test_it_is_offered_only_for_types_the_office_server_opens(office, collab, member):
    discovery.get()
    notes = services.upload(collab, member, upload_of("notes.txt", b"hello"))
    no_extension = services.upload(collab, member, upload_of("docx", DOCX))
    pdf = services.upload(collab, member, upload_of("scan.PDF", PDF))
    assert not edit_online_offered(notes, member, collab)
    assert not edit_online_offered(no_extension, member, collab)
    assert edit_online_offered(pdf, member, collab)  # the server views PDFs


def test_it_is_offered_to_those_who_may_edit(office, doc, member, guest, collab):
    discovery.get()
    assert edit_online_offered(doc, member, collab)
    assert not edit_online_offered(doc, guest, collab)


def test_it_is_not_offered_while_the_office_server_is_down(office, doc, member, collab):
    office.status = 500
    discovery.get()
    assert not edit_online_offered(doc, member, collab)


def test_deciding_makes_no_query_and_no_request(
    office, doc, member, collab, django_assert_num_queries
):
    discovery.get()
    fetches = office.fetches
    files = list(services.list_files(member, collab))
    rights = rights_of(member, collab)
    with django_assert_num_queries(0):
        for file in files * 50:
            actions_for(file, rights)
    assert office.fetches == fetches
