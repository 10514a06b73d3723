"""Group sends from a server's worker thread (apps.collabs.live.group_send): handed to the
event loop the thread serves, without waiting, and made there in the order they were handed
over; a failed send is logged and the ones behind it still go. Outside a server (no loop to
serve) the send is made before group_send returns."""

import asyncio
import logging

from asgiref.sync import sync_to_async

from apps.collabs import live


class RecordingLayer:
    """A channel layer that records its group sends, and fails the ones told to."""

    def __init__(self, fail=(), hold: asyncio.Event | None = None):
        self.sent: list[tuple[str, dict]] = []
        self.fail = set(fail)
        self.hold = hold

    async def group_send(self, group, message):
        if self.hold is not None:
            await self.hold.wait()
        await asyncio.sleep(0)  # a real layer awaits its connection: others may run meanwhile
        if message["n"] in self.fail:
            raise ConnectionError("Redis went away")
        self.sent.append((group, message))


async def test_sends_from_a_worker_thread_go_out_in_order_without_waiting(monkeypatch):
    # The layer sends nothing until the service has returned: a thread that waited for its
    # sends would never return.
    released = asyncio.Event()
    layer = RecordingLayer(hold=released)
    monkeypatch.setattr(live, "get_channel_layer", lambda: layer)

    def service():
        for n in range(20):
            live.group_send(f"collab.{n % 3}", {"type": "collab.event", "n": n})
        return len(layer.sent)

    sent_when_returning = await asyncio.wait_for(
        sync_to_async(service, thread_sensitive=True)(), timeout=5
    )
    released.set()
    for _ in range(100):
        if len(layer.sent) == 20:
            break
        await asyncio.sleep(0.01)

    assert sent_when_returning == 0
    assert [message["n"] for _group, message in layer.sent] == list(range(20))


async def test_a_failed_send_is_logged_and_those_behind_it_still_go(monkeypatch, caplog):
    layer = RecordingLayer(fail={1})
    monkeypatch.setattr(live, "get_channel_layer", lambda: layer)

    def service():
        for n in range(3):
            live.group_send("collab.1", {"type": "collab.event", "n": n})

    with caplog.at_level(logging.ERROR, logger="apps.collabs.live"):
        await sync_to_async(service, thread_sensitive=True)()
        for _ in range(100):
            if len(layer.sent) == 2:
                break
            await asyncio.sleep(0.01)

    assert [message["n"] for _group, message in layer.sent] == [0, 2]
    assert any("group send failed" in r.getMessage() for r in caplog.records)


def test_outside_a_server_the_send_is_made_before_returning(monkeypatch):
    layer = RecordingLayer()
    monkeypatch.setattr(live, "get_channel_layer", lambda: layer)

    live.group_send("collab.1", {"type": "collab.event", "n": 7})

    assert layer.sent == [("collab.1", {"type": "collab.event", "n": 7})]
