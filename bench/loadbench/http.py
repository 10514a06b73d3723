"""A small HTTP/1.1 client on asyncio streams, enough for the load test: one keep-alive
connection per simulated person (as a browser tab reuses its connection), a cookie jar,
Content-Length and chunked bodies, gzip. The project's venv has no async HTTP client, and
this one costs the load client little CPU."""

import asyncio
import contextlib
import zlib
from time import perf_counter
from urllib.parse import urlsplit


class HttpError(Exception):
    pass


class Response:
    __slots__ = ("body", "elapsed", "headers", "size", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes, size: int):
        self.status = status
        self.headers = headers
        self.body = body
        self.size = size  # bytes on the wire (compressed, if it was)
        self.elapsed = 0.0

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """One connection to `base` (http://host:port), reopened when the server closes it."""

    def __init__(self, base: str, cookies: dict[str, str], timeout: float = 30.0):
        parts = urlsplit(base)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.host_header = parts.netloc
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.cookies = cookies
        self.timeout = timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.lock = asyncio.Lock()

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):  # closing whatever state it is in
                await asyncio.wait_for(self.writer.wait_closed(), 2)
            self.reader = self.writer = None

    async def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Response:
        """The response, with `elapsed` from writing the request to its last byte (a new
        connection's set-up included, as a browser would wait for it)."""
        async with self.lock:
            t0 = perf_counter()
            for attempt in (0, 1):
                fresh = self.writer is None
                if fresh:
                    self.reader, self.writer = await asyncio.wait_for(
                        asyncio.open_connection(self.host, self.port), self.timeout
                    )
                try:
                    self.writer.write(self._head(method, path, headers or {}, body) + body)
                    resp = await asyncio.wait_for(self._read(method), self.timeout)
                    break
                except (ConnectionError, asyncio.IncompleteReadError) as exc:
                    # A kept-alive connection the server closed meanwhile: once more on a new
                    # one. A fresh connection that fails is an error.
                    await self.close()
                    if fresh or attempt:
                        raise HttpError(f"{method} {path}: {exc!r}") from exc
                except TimeoutError as exc:
                    await self.close()
                    raise HttpError(f"{method} {path}: no response in {self.timeout} s") from exc
            resp.elapsed = perf_counter() - t0
            for name, value in resp.headers:
                if name == "set-cookie":
                    pair = value.split(";", 1)[0]
                    if "=" in pair:
                        k, v = pair.split("=", 1)
                        self.cookies[k.strip()] = v.strip()
                elif name == "connection" and value.lower() == "close":
                    await self.close()
            return resp

    def _head(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host_header}",
            "Accept-Encoding: gzip",
            "User-Agent: collabhub-load",
        ]
        if self.cookies:
            lines.append(f"Cookie: {self.cookie_header()}")
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _read(self, method: str) -> Response:
        reader = self.reader
        status_line = await reader.readuntil(b"\r\n")
        parts = status_line.split(None, 2)
        if len(parts) < 2:
            raise ConnectionError(f"bad status line {status_line!r}")
        status = int(parts[1])
        headers: list[tuple[str, str]] = []
        while True:
            line = await reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.strip().lower(), value.strip()))
        h = dict(headers)
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            raw = b""
        elif "content-length" in h:
            raw = await reader.readexactly(int(h["content-length"]))
        elif h.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    while await reader.readuntil(b"\r\n") != b"\r\n":
                        pass
                    break
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            raw = b"".join(chunks)
        else:
            raw = await reader.read()
            await self.close()
        body = raw
        if h.get("content-encoding") == "gzip" and raw:
            body = zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        return Response(status, headers, body, len(raw))
