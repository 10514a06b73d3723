"""Proof keys: a WOPI request counts only when the office server signed it (with the keys of
its discovery document, generated here), recently, for this very URL and token."""

import json
import time

import pytest

from apps.files import services
from apps.files.models import FileVersion
from apps.files.wopi import proofkeys
from tests.files import wopi_support
from tests.files.conftest import upload_of
from tests.files.wopi_support import (
    Office,
    discovery_xml,
    forget_discovery,
    new_key,
    token_for,
    wopi_url,
)

# The fixtures (an office server with its proof keys) of wopi_support.
office = wopi_support.office
old_proof_key = wopi_support.old_proof_key
proof_key = wopi_support.proof_key

DOCX = b"PK\x03\x04" + b"docx" * 50


@pytest.fixture
def doc(collab, member):
    return services.upload(collab, member, upload_of("Report.docx", DOCX))


def check_file_info(client, key, doc, user, old_key=None, **options):
    office_client = Office(client, key, old_key, **options)
    return office_client.get(wopi_url(doc), token_for(user, doc))


def test_a_proof_with_the_current_key_passes(client, office, proof_key, doc, member):
    assert check_file_info(client, proof_key, doc, member).status_code == 200


def test_proof_old_with_the_current_key_passes(client, office, proof_key, doc, member):
    """The office server changed keys after we fetched: its X-WOPI-ProofOld is made with the
    key we know as current."""
    response = check_file_info(client, new_key(), doc, member, old_key=proof_key)
    assert response.status_code == 200


def test_a_proof_with_the_old_key_passes(client, office, old_proof_key, doc, member):
    """We fetched after the server changed keys, and it still signs with its old one."""
    assert check_file_info(client, old_proof_key, doc, member).status_code == 200


def test_a_proof_with_another_key_is_refused(client, office, doc, member):
    stranger = new_key()
    response = check_file_info(client, stranger, doc, member, old_key=stranger)
    assert response.status_code == 500


def test_a_request_without_proof_is_refused(client, office, doc, member):
    response = check_file_info(client, None, doc, member)
    assert response.status_code == 500


def test_a_stale_timestamp_is_refused(client, office, proof_key, doc, member):
    office_client = Office(client, proof_key)
    office_client.timestamp = proofkeys.ticks(time.time() - 21 * 60)
    assert office_client.get(wopi_url(doc), token_for(member, doc)).status_code == 500
    office_client.timestamp = proofkeys.ticks(time.time() - 19 * 60)
    assert office_client.get(wopi_url(doc), token_for(member, doc)).status_code == 200


def test_a_timestamp_from_the_future_is_refused(client, office, proof_key, doc, member):
    office_client = Office(client, proof_key)
    office_client.timestamp = proofkeys.ticks(time.time() + 3600)
    assert office_client.get(wopi_url(doc), token_for(member, doc)).status_code == 500


@pytest.mark.parametrize("stamp", ["", "soon", "-5", "١٢٣", str(2**64)])
def test_a_malformed_timestamp_is_refused(client, office, proof_key, doc, member, stamp):
    token = token_for(member, doc)
    url = f"{wopi_url(doc)}?access_token={token}"
    proof = Office(client, proof_key).headers(url, token, {})["X-WOPI-Proof"]
    response = client.get(
        url, headers={"X-WOPI-Proof": proof, "X-WOPI-TimeStamp": stamp.encode().decode("latin-1")}
    )
    assert response.status_code == 500


def test_a_proof_for_another_url_cannot_be_replayed(client, office, proof_key, collab, member):
    """A signed PutFile for one file, replayed against another: the URL is in the proof."""
    first = services.upload(collab, member, upload_of("A.docx", DOCX))
    second = services.upload(collab, member, upload_of("B.docx", DOCX))
    office_client = Office(client, proof_key)
    token = token_for(member, second)
    url_first = f"{wopi_url(first, contents=True)}?access_token={token}"
    url_second = f"{wopi_url(second, contents=True)}?access_token={token}"
    headers = office_client.headers(url_first, token, {"X-WOPI-Override": "PUT"})
    response = client.generic(
        "POST", url_second, DOCX, content_type="application/octet-stream", headers=headers
    )
    assert response.status_code == 500
    assert FileVersion.objects.filter(file=second).count() == 1


def test_the_proof_may_name_the_url_the_office_server_called(
    client, office, proof_key, doc, member, settings
):
    """Behind a proxy the office server calls WOPI_HOST_URL, which is not the Host we see."""
    settings.WOPI_HOST_URL = "https://portal.internal:8443"
    response = check_file_info(client, proof_key, doc, member, host=settings.WOPI_HOST_URL)
    assert response.status_code == 200
    response = check_file_info(client, proof_key, doc, member, host="https://elsewhere.example")
    assert response.status_code == 500


def test_new_keys_are_fetched_when_a_proof_does_not_verify(client, office, proof_key, doc, member):
    """The office server changed its keys (twice, so neither of ours verifies): the portal
    fetches the discovery again once, and the request passes."""
    assert check_file_info(client, proof_key, doc, member).status_code == 200  # cached now
    rotated = new_key()
    office.xml = discovery_xml(rotated, new_key())
    fetches = office.fetches
    assert check_file_info(client, rotated, doc, member).status_code == 200
    assert office.fetches == fetches + 1


def test_bad_proofs_do_not_make_the_portal_fetch_again_and_again(client, office, doc, member):
    stranger = new_key()
    for _ in range(5):
        assert check_file_info(client, stranger, doc, member).status_code == 500
    assert office.fetches <= 2  # the first fetch, and one more to look for new keys


def test_without_proof_keys_in_discovery_the_token_alone_counts(client, office, doc, member):
    office.xml = discovery_xml(None)
    forget_discovery()
    response = check_file_info(client, None, doc, member)
    assert response.status_code == 200
    assert json.loads(response.content)["BaseFileName"] == "Report.docx"
    # ...and still a valid token.
    assert Office(client, None).get(wopi_url(doc), "forged").status_code == 401


def test_when_discovery_cannot_be_read_requests_wait(client, office, proof_key, doc, member):
    office.status = 503
    forget_discovery()
    assert check_file_info(client, proof_key, doc, member).status_code == 503


def test_the_proof_bytes_follow_the_spec():
    """4-byte big-endian lengths; the URL upper-cased; the timestamp as 8 bytes."""
    data = proofkeys.expected_proof("tok", "http://h/x?a=b", 635655897610773532)
    assert data == (
        b"\x00\x00\x00\x03tok"
        + b"\x00\x00\x00\x0eHTTP://H/X?A=B"
        + b"\x00\x00\x00\x08"
        + (635655897610773532).to_bytes(8, "big")
    )
