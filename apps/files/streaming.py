"""A response that streams a stretch of an open file, in CHUNK-sized reads, both ways Django
may consume it: synchronously (WSGI, the test client) and asynchronously (ASGI, Daphne).

Django's ASGI handler iterates a streaming response with `async for`. Given a synchronous
iterator (a FileResponse, a generator), StreamingHttpResponse.__aiter__ reads it whole into a
list first (its "must consume synchronous iterators" warning): a 1 GiB download cost 1 GiB of
memory before the first byte went out. FileStream's `__aiter__` reads one chunk at a time in a
worker thread (the event loop never waits on the disk), and its `__iter__` is the plain
synchronous read, so neither way warns or buffers. The file is closed when the stream ends,
when it is abandoned (the client went away: the task is cancelled or the generator closed)
and by the response's close().
"""

import asyncio

from django.http import StreamingHttpResponse

CHUNK = 64 * 1024


class FileChunks:
    """`length` bytes of `handle` from `start`, CHUNK at a time; a synchronous iterator (its
    own `__iter__`) with an asynchronous twin (`aiter_chunks`)."""

    def __init__(self, handle, start: int, length: int):
        self.handle = handle
        self._start = start
        self._remaining = length
        self._positioned = False

    def read(self) -> bytes:
        """The next chunk, b"" at the end (or once closed)."""
        if self._remaining <= 0 or self.handle.closed:
            return b""
        if not self._positioned:
            self.handle.seek(self._start)
            self._positioned = True
        data = self.handle.read(min(CHUNK, self._remaining))
        self._remaining = self._remaining - len(data) if data else 0
        return data

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        data = self.read()
        if not data:
            self.close()
            raise StopIteration
        return data

    async def aiter_chunks(self):
        try:
            while data := await asyncio.to_thread(self.read):
                yield data
        finally:
            self.close()

    def close(self) -> None:
        self.handle.close()


class FileStream(StreamingHttpResponse):
    """Streams `length` bytes of the open file `handle` from `start` (then closes it)."""

    def __init__(self, handle, start: int, length: int, **kwargs):
        self.chunks = FileChunks(handle, start, length)
        super().__init__(self.chunks, **kwargs)  # its close() closes the file too

    async def __aiter__(self):
        if self._iterator is not self.chunks:
            # A middleware replaced streaming_content (to wrap it): Django's own way.
            async for part in super().__aiter__():
                yield part
            return
        async for part in self.chunks.aiter_chunks():
            yield part
