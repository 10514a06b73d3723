"""Simulated people and what the load test records of them.

A person opens the chat page of one of their collabs (GET, as the browser does), holds that
page's socket (/ws/collabs/<id>/?rail=1, session cookie, Origin, a "hello" with the newest id
the page showed, as static/js/chat.js), reports every message shown with a "read" frame (as the page
does), and at human intervals (exponential think times, rates per person per minute in
`Profile`): types and sends a message, scrolls back through history pages (the htmx partial the
page fetches), reacts to a recent message (the page's POST with the CSRF token, HX-Request),
searches, opens the list of collabs, or moves to another of their collabs (a new page and a new
socket). Each frame and request is timed with the client's perf_counter (CLOCK_MONOTONIC, so
one clock for senders and receivers)."""

import asyncio
import contextlib
import json
import random
import re
from dataclasses import dataclass
from time import perf_counter
from urllib.parse import quote

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from .http import Client, HttpError
from .texts import BODIES, SEARCH_WORDS

MESSAGE_FRAME = re.compile(r'\{"type": "message", "id": (\d+)')
DATA_ID = re.compile(rb'data-id="(\d+)"')
# A person's message (system messages are <div class="msg msg-system">: no reactions there).
ARTICLE_ID = re.compile(rb'<article class="msg[^"]*" id="m\d+" data-id="(\d+)"')
CSRF = re.compile(rb'"X-CSRFToken": "([^"]+)"')
REACTIONS = ["👍", "❤️", "😂", "🎉", "👀", "✅"]
ACK_TIMEOUT = 10.0
PAGES = ("chat page", "history page", "search page", "collab list")


@dataclass
class Profile:
    """How often one person does each thing, per minute, on average."""

    send: float = 1.0
    history: float = 0.5  # a scroll back of 1-3 pages
    react: float = 0.5
    search: float = 0.2
    switch: float = 0.3  # to another of their collabs: a new chat page and socket
    collab_list: float = 0.2

    def scaled(self, factor: float) -> "Profile":
        return Profile(**{k: v * factor for k, v in self.__dict__.items()})


class SockRec:
    __slots__ = ("by_us", "close_code", "closed_t", "collab_id", "open_t", "person", "serial")

    def __init__(self, serial: int, person: int, collab_id: int, open_t: float):
        self.serial = serial
        self.person = person
        self.collab_id = collab_id
        self.open_t = open_t
        self.closed_t: float | None = None
        self.by_us = False
        self.close_code = None


class SendRec:
    __slots__ = ("ack_t", "collab_id", "id", "serial", "t0")

    def __init__(self, t0: float, collab_id: int, serial: int):
        self.t0 = t0
        self.collab_id = collab_id
        self.serial = serial
        self.ack_t = 0.0
        self.id = 0


class Recorder:
    """Everything the people did and saw, with times, for the step figures."""

    def __init__(self):
        self.samples: dict[str, list[tuple[float, float]]] = {}  # action -> (end t, seconds)
        self.bytes: dict[str, list[int]] = {}
        self.errors: list[tuple[float, str, str]] = []
        self.socks: list[SockRec] = []
        self.sends: dict[str, SendRec] = {}  # client_id -> send
        self.by_id: dict[int, SendRec] = {}
        self.received: dict[int, dict[int, float]] = {}  # message id -> {socket serial: t}
        self.frames_in: list[float] = []  # arrival times of every frame (counts per window)
        self.frames_out = 0
        self.frames_out_t: list[float] = []

    def sample(self, action: str, end: float, seconds: float, size: int | None = None) -> None:
        self.samples.setdefault(action, []).append((end, seconds))
        if size is not None:
            self.bytes.setdefault(action, []).append(size)

    def error(self, kind: str, detail: str) -> None:
        self.errors.append((perf_counter(), kind, detail[:300]))

    def new_sock(self, person: int, collab_id: int) -> SockRec:
        rec = SockRec(len(self.socks), person, collab_id, perf_counter())
        self.socks.append(rec)
        return rec

    def acked(self, client_id: str, message_id: int, now: float) -> None:
        s = self.sends.get(client_id)
        if s is not None and not s.ack_t:
            s.ack_t = now
            s.id = message_id
            self.by_id[message_id] = s
            self.sample("ack", now, now - s.t0)


class Person:
    def __init__(self, spec, base: str, ws_base: str, rec: Recorder, profile: Profile, run: str):
        self.spec = spec  # seed.Person
        self.base = base
        self.ws_base = ws_base
        self.rec = rec
        self.profile = profile
        self.run = run
        self.rng = random.Random(spec.index * 7919 + 1)
        self.http = Client(base, {"sessionid": spec.session_key})
        self.collab_id = spec.collabs[0]
        self.token = ""
        self.newest = 0
        self.oldest = 0
        self.recent: list[int] = []
        self.ws = None
        self.sock: SockRec | None = None
        self.reader: asyncio.Task | None = None
        self.ready = asyncio.Event()
        self.stopping = False
        self.sent = 0
        self.task: asyncio.Task | None = None
        self.reconnecting: asyncio.Task | None = None
        self.read_timer: asyncio.Task | None = None
        self.read_sent = 0
        self.read_at = 0.0
        self.pinger: asyncio.Task | None = None

    @property
    def online(self) -> bool:
        return self.sock is not None and self.sock.closed_t is None

    # Life

    def start(self, delay: float) -> None:
        self.task = asyncio.create_task(self._live(delay))

    async def stop(self) -> None:
        self.stopping = True
        if self.pinger is not None:
            self.pinger.cancel()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        await self._close_socket()
        await self.http.close()

    async def _live(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self.pinger = asyncio.create_task(self._heartbeat())
        await self._guard("open", self._open(self.collab_id))
        p = self.profile
        actions = [
            (p.send, self.send),
            (p.history, self.history),
            (p.react, self.react),
            (p.search, self.search),
            (p.switch, self.switch),
            (p.collab_list, self.collab_list),
        ]
        total = sum(rate for rate, _ in actions) / 60.0
        weights = [rate for rate, _ in actions]
        while not self.stopping:
            await asyncio.sleep(self.rng.expovariate(total))
            if self.stopping:
                break
            action = self.rng.choices(actions, weights)[0][1]
            await self._guard(action.__name__, action())

    async def _guard(self, name: str, coro) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except (HttpError, ConnectionClosed, OSError, TimeoutError) as exc:
            self.rec.error(f"{name}: {type(exc).__name__}", str(exc))
        except Exception as exc:  # counted; the person goes on
            self.rec.error(f"{name}: {type(exc).__name__}", repr(exc))

    # Pages

    async def _get(self, action: str, path: str, headers: dict | None = None, ok=(200,)):
        resp = await self.http.request("GET", path, headers)
        if resp.status not in ok:
            self.rec.error(f"{action}: HTTP {resp.status}", path)
            return None
        self.rec.sample(action, perf_counter(), resp.elapsed, resp.size)
        return resp

    async def _open(self, collab_id: int) -> None:
        """The chat page, then its socket and the catch-up from the newest id it showed."""
        await self._close_socket()
        self.collab_id = collab_id
        resp = await self._get("chat page", f"/collabs/{collab_id}/")
        if resp is None:
            return
        m = CSRF.search(resp.body)
        self.token = m.group(1).decode() if m else ""
        if not self.token:
            self.rec.error("chat page: no CSRF token", f"/collabs/{collab_id}/")
        ids = [int(x) for x in DATA_ID.findall(resp.body)]
        self.newest = max(ids, default=0)
        self.oldest = min(ids, default=0)
        self.recent = sorted(int(x) for x in ARTICLE_ID.findall(resp.body))[-20:]
        self.read_sent = self.newest
        await self._connect()

    async def _connect(self) -> None:
        """The page's socket, retried as static/js/live.js does (after 0.5 s, 1 s, ... 3 s)
        until it opens; each failed try is an error."""
        retry = 0
        while not self.stopping:
            try:
                await self._connect_once()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a refused or dropped handshake: counted, tried again
                self.rec.error(f"socket connect: {type(exc).__name__}", str(exc))
            retry = min(retry + 1, 6)
            await asyncio.sleep(0.5 * retry)

    async def _connect_once(self) -> None:
        collab_id = self.collab_id
        t0 = perf_counter()
        self.ready.clear()
        ws = await connect(
            # As every collab page opens its socket (frame.html): with the list of collabs
            # beside it, so each message also brings its summary for the list.
            f"{self.ws_base}/ws/collabs/{collab_id}/?rail=1",
            origin=self.http.origin,
            additional_headers={"Cookie": self.http.cookie_header()},
            compression=None,
            ping_interval=None,
            open_timeout=30,
            close_timeout=5,
            max_size=2**22,
        )
        self.ws = ws
        self.sock = self.rec.new_sock(self.spec.index, collab_id)
        self.rec.sample("socket handshake", self.sock.open_t, self.sock.open_t - t0)
        self.reader = asyncio.create_task(self._read(ws, self.sock))
        t1 = perf_counter()
        # The catch-up from the newest message the page has (after a reconnect too).
        await self._frame({"type": "hello", "last_id": self.newest})
        try:
            await asyncio.wait_for(self.ready.wait(), 30)
        except TimeoutError:
            self.rec.error("socket: no ready", f"/ws/collabs/{collab_id}/")
            return
        self.rec.sample("catch-up", perf_counter(), perf_counter() - t1)

    async def _send_read(self) -> None:
        """At most one read report a second, the newest id when the second is over, as
        static/js/chat.js sends them."""
        try:
            await asyncio.sleep(max(0.0, self.read_at + 1.0 - perf_counter()))
            if self.online and self.newest > self.read_sent:
                self.read_sent = self.newest
                self.read_at = perf_counter()
                await self._frame({"type": "read", "last_id": self.newest})
        except ConnectionClosed:
            pass
        finally:
            self.read_timer = None

    async def _heartbeat(self) -> None:
        """The page's ping every 25 s (live.js)."""
        while not self.stopping:
            await asyncio.sleep(25.0)
            if self.online:
                with contextlib.suppress(ConnectionClosed):
                    await self._frame({"type": "ping"})

    async def _close_socket(self) -> None:
        if self.reconnecting is not None:
            self.reconnecting.cancel()
            self.reconnecting = None
        if self.ws is None:
            return
        ws, sock, self.ws = self.ws, self.sock, None
        if sock.closed_t is None:
            sock.by_us = True
        with contextlib.suppress(Exception):  # closing whatever state it is in
            await asyncio.wait_for(ws.close(), 5)
        if self.reader is not None:
            self.reader.cancel()
            self.reader = None
        if sock.closed_t is None:
            sock.closed_t = perf_counter()

    async def _frame(self, payload: dict) -> None:
        ws = self.ws
        if ws is None:  # between two pages: the frame goes nowhere, as in a browser
            return
        await ws.send(json.dumps(payload, ensure_ascii=False))
        self.rec.frames_out += 1
        self.rec.frames_out_t.append(perf_counter())

    async def _read(self, ws, sock: SockRec) -> None:
        rec = self.rec
        try:
            async for text in ws:
                now = perf_counter()
                rec.frames_in.append(now)
                m = MESSAGE_FRAME.match(text)
                if m:
                    mid = int(m.group(1))
                    got = rec.received.setdefault(mid, {})
                    if sock.serial not in got:
                        got[sock.serial] = now
                    if mid > self.newest and ws is self.ws:
                        self.newest = mid
                        if "msg-system" not in text[:300]:  # a person's, not a system message
                            self.recent.append(mid)
                            del self.recent[:-20]
                        # The page marks what it shows as read.
                        if self.ready.is_set() and ws is self.ws and self.read_timer is None:
                            self.read_timer = asyncio.create_task(self._send_read())
                    continue
                if text.startswith('{"type": "ack"'):
                    frame = json.loads(text)
                    rec.acked(str(frame.get("client_id")), int(frame.get("id") or 0), now)
                elif text.startswith('{"type": "ready"') and ws is self.ws:
                    self.ready.set()
                elif text.startswith('{"type": "error"'):
                    rec.error("socket: error frame", text[:200])
        except ConnectionClosed:
            pass
        finally:
            if sock.closed_t is None:
                sock.closed_t = perf_counter()
                sock.close_code = ws.close_code
                if not sock.by_us and not self.stopping:
                    rec.error(f"socket closed by the server ({ws.close_code})", "")
                    if ws is self.ws and ws.close_code != 4403:
                        self.reconnecting = asyncio.create_task(self._connect())

    # Actions

    async def send(self) -> None:
        """Typing for a moment (the page's typing frame), then the message."""
        if not self.online:
            return
        await self._frame({"type": "typing"})
        await asyncio.sleep(self.rng.uniform(1.0, 3.0))
        if not self.online:
            return
        self.sent += 1
        client_id = f"{self.run}-{self.spec.index}-{self.sent}"
        body = self.rng.choice(BODIES)
        self.rec.sends[client_id] = SendRec(perf_counter(), self.collab_id, self.sock.serial)
        await self._frame({"type": "send", "body": body, "client_id": client_id})

    async def history(self) -> None:
        """Scrolling back: 1-3 pages, a few seconds of reading between them."""
        for i in range(self.rng.randint(1, 3)):
            if i:
                await asyncio.sleep(self.rng.uniform(1.0, 4.0))
            if not self.oldest:
                return
            resp = await self._get(
                "history page",
                f"/collabs/{self.collab_id}/chat/messages/?before={self.oldest}",
                {"HX-Request": "true"},
            )
            if resp is None:
                return
            ids = [int(x) for x in DATA_ID.findall(resp.body)]
            if not ids:
                return
            self.oldest = min(ids)

    async def react(self) -> None:
        if not self.recent or not self.token:
            return
        message_id = self.rng.choice(self.recent)
        emoji = self.rng.choice(REACTIONS)
        body = f"csrfmiddlewaretoken={quote(self.token)}&emoji={quote(emoji)}".encode()
        path = f"/collabs/{self.collab_id}/chat/{message_id}/react/"
        resp = await self.http.request(
            "POST",
            path,
            {
                "HX-Request": "true",
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.http.origin,
                "Referer": f"{self.http.origin}/collabs/{self.collab_id}/",
                "X-CSRFToken": self.token,
            },
            body,
        )
        if resp.status != 204:
            self.rec.error(f"react: HTTP {resp.status}", path)
            return
        self.rec.sample("react", perf_counter(), resp.elapsed)

    async def search(self) -> None:
        word = self.rng.choice(SEARCH_WORDS)
        await self._get("search page", f"/collabs/{self.collab_id}/chat/search/?q={quote(word)}")

    async def collab_list(self) -> None:
        await self._get("collab list", "/collabs/")

    async def switch(self) -> None:
        others = [c for c in self.spec.collabs if c != self.collab_id]
        await self._open(self.rng.choice(others) if others else self.collab_id)
