"""The office server's discovery document: read, cached, filled into the editor's URL; a
server that is down or answers nonsense means "no office server right now"."""

import logging

import pytest
from django.core.cache import cache

from apps.files.wopi import discovery
from tests.files import wopi_support
from tests.files.wopi_support import (
    OFFICE,
    OfficeServer,
    discovery_xml,
)

# The fixtures (an office server with its proof keys) of wopi_support.
office = wopi_support.office
old_proof_key = wopi_support.old_proof_key
proof_key = wopi_support.proof_key


def test_it_reads_actions_by_extension_preferring_https_zones(proof_key, old_proof_key):
    found = discovery.parse(discovery_xml(proof_key, old_proof_key))
    assert found.action_for("docx") == ("edit", found.actions["docx"]["edit"])
    assert found.actions["docx"]["edit"].startswith(f"{OFFICE}/we/edit.aspx")
    assert found.action_for(".DOCX", ("view",))[1].startswith(f"{OFFICE}/wv/view.aspx")
    assert found.action_for("odt") == ("edit", "http://office.internal/cool.html?")
    assert found.action_for("pdf") == ("view", found.actions["pdf"]["view"])
    assert found.action_for("txt") is None
    assert "" not in found.actions  # actions by MIME type (no extension) are not used
    assert found.proof_key is not None and found.old_proof_key is not None


def test_it_reads_a_document_without_proof_keys():
    found = discovery.parse(discovery_xml(None))
    assert found.proof_key is None and found.old_proof_key is None


@pytest.mark.parametrize(
    "xml",
    [
        b"<html><body>Welcome to nginx</body></html>",
        b"<wopi-discovery><net-zone name='external-http'/></wopi-discovery>",
        b"<wopi-discovery><net-zone",
        b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>',
    ],
)
def test_it_refuses_what_is_not_a_discovery_document(xml):
    with pytest.raises(Exception):  # noqa: B017 (ValueError or a ParseError, both caught by get)
        discovery.parse(xml)


def test_microsoft_style_placeholders_are_filled_or_dropped(proof_key):
    urlsrc = discovery.parse(discovery_xml(proof_key)).actions["docx"]["edit"]
    url = discovery.editor_url(urlsrc, "https://portal.example/collabs/1/files/wopi/files/2", "ru")
    assert url == (
        f"{OFFICE}/we/edit.aspx?ui=ru-RU&rs=ru-RU"
        "&wopisrc=https%3A%2F%2Fportal.example%2Fcollabs%2F1%2Ffiles%2Fwopi%2Ffiles%2F2"
    )


def test_collabora_style_urls_get_wopisrc_and_lang_appended():
    url = discovery.editor_url("http://office.internal/cool.html?", "http://p/w/files/2", "en")
    assert (
        url == "http://office.internal/cool.html?WOPISrc=http%3A%2F%2Fp%2Fw%2Ffiles%2F2&lang=en-US"
    )
    url = discovery.editor_url("http://office.internal/cool.html", "http://p/w", "ru")
    assert url == "http://office.internal/cool.html?WOPISrc=http%3A%2F%2Fp%2Fw&lang=ru-RU"


def test_language_tags():
    assert discovery.language_tag("en") == "en-US"
    assert discovery.language_tag("ru") == "ru-RU"
    assert discovery.language_tag("pt-br") == "pt-BR"
    assert discovery.language_tag("zh_hans") == "zh-HANS"


def test_it_is_fetched_once_and_cached(office, db):
    first = discovery.get()
    assert first is not None and first.proof_key is not None
    assert discovery.get() == first
    assert discovery.cached() == first
    assert office.fetches == 1
    discovery.get(force=True)
    assert office.fetches == 2


def test_without_an_office_server_nothing_is_fetched(settings):
    settings.WOPI_DISCOVERY_URL = ""
    assert not discovery.configured()
    assert discovery.get() is None and discovery.cached() is None


@pytest.mark.parametrize("status", [404, 500])
def test_a_failed_fetch_is_logged_and_remembered_for_a_while(office, caplog, status):
    office.status = status
    with caplog.at_level(logging.WARNING, logger="apps.files.wopi.discovery"):
        assert discovery.get() is None
    assert "WOPI discovery" in caplog.text
    assert discovery.get() is None
    assert office.fetches == 1  # the failure is cached: no second wait on a dead server
    office.status = 200
    assert discovery.get(force=True) is not None


def test_a_server_that_does_not_answer_in_time_counts_as_down(office, monkeypatch):
    monkeypatch.setattr(discovery, "TIMEOUT", 0.2)
    office.delay = 1
    assert discovery.get() is None


def test_a_server_that_is_not_there_counts_as_down(settings):
    server = OfficeServer()
    server.start()
    settings.WOPI_DISCOVERY_URL = server.url
    server.stop()
    assert discovery.get() is None


def test_only_http_urls_are_fetched(settings, caplog):
    settings.WOPI_DISCOVERY_URL = "file:///etc/passwd"
    assert discovery.get() is None


def test_a_huge_document_is_refused(office, monkeypatch):
    monkeypatch.setattr(discovery, "MAX_BYTES", 100)
    assert discovery.get() is None


def test_cached_never_fetches_in_the_request_but_warms_in_the_background(office):
    assert discovery.cached() is None
    discovery._last_thread.join(5)
    assert office.fetches == 1
    assert discovery.cached() is not None


def test_one_warming_at_a_time(office, monkeypatch):
    """A cold cache seen by another process (no memo here) within the minute starts no other
    fetch."""
    monkeypatch.setattr(discovery, "refresh", lambda: None)  # the fetch never lands
    assert discovery.cached() is None
    discovery._last_thread.join(5)
    monkeypatch.setattr(discovery, "_local", None)
    assert discovery.cached() is None
    assert discovery._last_thread is not None
    started = discovery._last_thread
    monkeypatch.setattr(discovery, "_local", None)
    discovery.cached()
    assert discovery._last_thread is started
    cache.delete(discovery._key() + ":warming")
    monkeypatch.setattr(discovery, "_local", None)
    discovery.cached()
    assert discovery._last_thread is not started


def test_a_listing_reads_the_cache_once(office, monkeypatch):
    discovery.get()
    monkeypatch.setattr(discovery, "_local", None)
    reads = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a) or real_get(*a, **k))
    for _ in range(100):
        assert discovery.cached() is not None
    assert len(reads) == 1
