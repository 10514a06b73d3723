"""The frame limit inside Daphne's WebSocket protocol (collabhub/wsguard.py): counted as frames
arrive, before any consumer; the browser test in tests/e2e/test_chat.py floods a real server."""

from types import SimpleNamespace

import pytest
from daphne.ws_protocol import WebSocketFactory

import collabhub.asgi  # noqa: F401  (installs the guard, as Daphne's import of it does)
from collabhub import wsguard


class Recorder:
    def __init__(self):
        self.queued = []
        self.closes = []
        self.write_shut = 0


@pytest.fixture
def protocol(settings):
    settings.WS_MAX_FRAMES_PER_SECOND = 5
    record = Recorder()
    proto = wsguard.GuardedWebSocketProtocol.__new__(wsguard.GuardedWebSocketProtocol)
    proto.muted = False
    proto.client_addr = None
    proto.application_queue = SimpleNamespace(put_nowait=record.queued.append)
    proto.sendClose = lambda code=None, reason=None: record.closes.append(code)
    proto.transport = SimpleNamespace(
        loseWriteConnection=lambda: setattr(record, "write_shut", record.write_shut + 1)
    )
    return proto, record


def test_daphne_builds_guarded_connections():
    assert WebSocketFactory.protocol is wsguard.GuardedWebSocketProtocol


def test_frames_within_the_limit_reach_the_application(protocol):
    proto, record = protocol

    for n in range(5):
        proto.onMessage(f'{{"n": {n}}}'.encode(), False)

    assert [m["text"] for m in record.queued] == [f'{{"n": {n}}}' for n in range(5)]
    assert record.closes == [] and record.write_shut == 0


def test_a_flood_is_closed_once_and_the_rest_is_never_queued(protocol):
    proto, record = protocol

    for _ in range(10_000):
        proto.onMessage(b'{"type": "ping"}', False)

    assert [m["type"] for m in record.queued] == ["websocket.receive"] * 5 + [
        "websocket.disconnect"
    ]
    assert record.closes == [wsguard.CLOSE_FLOODING]
    assert record.write_shut == 1


def test_after_the_close_what_the_flooder_sends_is_dropped_unparsed(protocol, monkeypatch):
    proto, _record = protocol
    for _ in range(6):
        proto.onMessage(b"{}", False)
    parsed = []
    monkeypatch.setattr(
        wsguard.WebSocketProtocol, "dataReceived", lambda self, data: parsed.append(data)
    )

    proto.dataReceived(b"\x81\x85" + b"x" * 4096)

    assert parsed == []


def test_the_application_hears_of_the_close_at_once_and_once(protocol):
    """Not when the flooder gets round to answering the close frame: the chat then drops the
    sends it was given instead of storing or refusing them one by one."""
    proto, record = protocol
    proto.server = SimpleNamespace(protocol_disconnected=lambda p: None, log_action=lambda *a: None)
    proto.request = SimpleNamespace(path="/ws/collabs/1/")

    for _ in range(6):
        proto.onMessage(b"{}", False)
    assert record.queued[-1] == {"type": "websocket.disconnect", "code": wsguard.CLOSE_FLOODING}

    proto.onClose(True, wsguard.CLOSE_FLOODING, None)  # the connection ends later

    assert [m["type"] for m in record.queued].count("websocket.disconnect") == 1


def test_the_count_starts_again_every_second(protocol, monkeypatch):
    proto, record = protocol
    clock = SimpleNamespace(now=100.0)
    monkeypatch.setattr(wsguard, "time", SimpleNamespace(monotonic=lambda: clock.now))

    for _second in range(3):
        for _ in range(5):
            proto.onMessage(b"{}", False)
        clock.now += 1.0

    assert len(record.queued) == 15
    assert record.closes == []


# --- Installed explicitly, or the start-up fails ---------------------------------------------


def test_the_application_installs_the_guard():
    assert wsguard.installed()


def test_installing_over_an_unknown_daphne_fails_loudly(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(wsguard, "version", lambda name: "5.0.0")
    with pytest.raises(ImproperlyConfigured, match="Daphne"):
        wsguard.install()


def test_installing_over_a_changed_protocol_fails_loudly(monkeypatch):
    from daphne.ws_protocol import WebSocketProtocol
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(WebSocketProtocol, "onMessage", lambda self, message: None)
    with pytest.raises(ImproperlyConfigured, match="onMessage"):
        wsguard.install()


def test_installing_over_another_replacement_fails_loudly(monkeypatch):
    from daphne.ws_protocol import WebSocketProtocol
    from django.core.exceptions import ImproperlyConfigured

    class SomeoneElses(WebSocketProtocol):
        pass

    monkeypatch.setattr(WebSocketFactory, "protocol", SomeoneElses)
    with pytest.raises(ImproperlyConfigured, match="replacement"):
        wsguard.install()
    assert WebSocketFactory.protocol is SomeoneElses  # left as it was, not half-installed
