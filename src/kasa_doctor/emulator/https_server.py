"""A small HTTP/1.1 server on asyncio streams: one listening socket per camera.

Only what a camera's local API needs: POST with Content-Length, keep-alive, and
bounded everything (header size, body size, idle time), so a farm of a thousand
cameras fits in one process and no client input can wedge or crash it. The
listener can be closed and reopened on the same port, which is how a camera
"goes away" during a reboot or while offline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final

_LOGGER = logging.getLogger(__name__)

MAX_HEADER_BYTES: Final = 16 * 1024
MAX_BODY_BYTES: Final = 1024 * 1024
IDLE_TIMEOUT: Final = 30.0
BODY_TIMEOUT: Final = 10.0
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    500: "Internal Server Error",
}


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass(slots=True)
class HttpResponse:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=UTF-8"
    # Garbage mode: send only this many body bytes, then hang up.
    truncate_to: int | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def encode_head(self) -> bytes:
        lines = [
            f"HTTP/1.1 {self.status} {_REASONS.get(self.status, 'OK')}",
            f"Content-Type: {self.content_type}",
            f"Content-Length: {len(self.body)}",
            "Connection: keep-alive",
        ]
        lines.extend(f"{k}: {v}" for k, v in self.extra_headers.items())
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


Handler = Callable[[HttpRequest], Awaitable[HttpResponse | None]]
"""Returns the response, or None to hang up without answering."""


class _BadRequest(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class HttpServer:
    """Serves `handler` on (host, port) over TLS; `port=0` picks a free port."""

    def __init__(
        self, handler: Handler, host: str, port: int, ssl_context: ssl.SSLContext | None
    ) -> None:
        self._handler = handler
        self.host = host
        self.port = port
        self._ssl = ssl_context
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        """Start listening (again). Raises OSError if the port is taken."""
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._serve,
            self.host,
            self.port,
            ssl=self._ssl,
            limit=MAX_HEADER_BYTES,
            reuse_address=True,
            backlog=128,
            ssl_handshake_timeout=10.0,
        )
        sock: socket.socket = self._server.sockets[0]
        self.port = int(sock.getsockname()[1])

    async def stop(self) -> None:
        """Stop listening and hang up on every open connection."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2.0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(writer)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        except asyncio.CancelledError:
            pass
        except Exception:  # a bug must cost one connection, never the camera
            _LOGGER.exception("emulator: unexpected error serving %s:%s", self.host, self.port)
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.transport.abort()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_TIMEOUT)
        except (asyncio.IncompleteReadError, TimeoutError):
            return False
        except asyncio.LimitOverrunError:
            await self._send(writer, HttpResponse(413, b""))
            return False
        try:
            request = await self._parse(head, reader)
        except _BadRequest as bad:
            await self._send(writer, HttpResponse(bad.status, b""))
            return False
        response = await self._handler(request)
        if response is None:
            return False
        await self._send(writer, response)
        if response.truncate_to is not None:
            return False
        return request.headers.get("connection", "").lower() != "close"

    async def _parse(self, head: bytes, reader: asyncio.StreamReader) -> HttpRequest:
        try:
            text = head.decode("latin-1")
        except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes anything
            raise _BadRequest(400) from exc
        lines = text.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise _BadRequest(400)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep:
                raise _BadRequest(400)
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            raise _BadRequest(400)
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError as exc:
            raise _BadRequest(400) from exc
        if length < 0:
            raise _BadRequest(400)
        if length > MAX_BODY_BYTES:
            raise _BadRequest(413)
        body = b""
        if length:
            try:
                body = await asyncio.wait_for(reader.readexactly(length), BODY_TIMEOUT)
            except TimeoutError as exc:
                raise _BadRequest(400) from exc
        return HttpRequest(parts[0].upper(), parts[1], headers, body)

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, response: HttpResponse) -> None:
        body = response.body
        if response.truncate_to is not None:
            body = body[: response.truncate_to]
        writer.write(response.encode_head() + body)
        await asyncio.wait_for(writer.drain(), BODY_TIMEOUT)
