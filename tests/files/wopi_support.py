"""What the WOPI tests share: an office server's discovery document served over real HTTP by a
tiny local server (so the portal's own fetch runs), RSA proof keys generated here, and a client
that calls the WOPI endpoints as an office server does, signing each request."""

import base64
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.urls import reverse

from apps.files.wopi import discovery, proofkeys, tokens

OFFICE = "https://office.example.com"
HOST = "http://testserver"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(number: int) -> str:
    return base64.b64encode(number.to_bytes((number.bit_length() + 7) // 8, "big")).decode()


def key_attributes(key: rsa.RSAPrivateKey | None, prefix: str = "") -> str:
    if key is None:
        return ""
    numbers = key.public_key().public_numbers()
    return f' {prefix}modulus="{_b64(numbers.n)}" {prefix}exponent="{_b64(numbers.e)}"'


def discovery_xml(
    current: rsa.RSAPrivateKey | None = None,
    old: rsa.RSAPrivateKey | None = None,
    *,
    office: str = OFFICE,
) -> bytes:
    """A document like Collabora's (one zone, urlsrc ending in "?"), with an extra zone in
    Microsoft's style (placeholders) that the portal must prefer for .docx (https first)."""
    proof = ""
    if current is not None:
        proof = f'<proof-key value="ignored"{key_attributes(current)}{key_attributes(old, "old")}/>'
    edit = "&lt;ui=UI_LLCC&amp;&gt;&lt;rs=DC_LLCC&amp;&gt;&lt;dchat=DISABLE_CHAT&amp;&gt;"
    source = "&lt;wopisrc=WOPI_SOURCE&amp;&gt;"
    ui = "&lt;ui=UI_LLCC&amp;&gt;"
    return f"""<?xml version="1.0" encoding="utf-8"?>
<wopi-discovery>
  <net-zone name="external-http">
    <app name="writer">
      <action default="true" ext="odt" name="edit" urlsrc="http://office.internal/cool.html?"/>
      <action ext="docx" name="edit" urlsrc="http://office.internal/cool.html?"/>
    </app>
  </net-zone>
  <net-zone name="external-https">
    <app name="Word">
      <action ext="docx" name="edit" urlsrc="{office}/we/edit.aspx?{edit}{source}"/>
      <action ext="docx" name="view" urlsrc="{office}/wv/view.aspx?{ui}{source}"/>
      <action ext="pdf" name="view" urlsrc="{office}/wv/view.aspx?{source}"/>
      <action ext="" name="edit" urlsrc="{office}/mime-type-app"/>
    </app>
  </net-zone>
  {proof}
</wopi-discovery>""".encode()


@dataclass
class OfficeServer:
    """Serves the discovery document at /hosting/discovery; counts the fetches."""

    xml: bytes = b""
    status: int = 200
    delay: float = 0.0
    fetches: int = 0
    url: str = ""
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)

    def start(self) -> None:
        office = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                office.fetches += 1
                if office.delay:
                    time.sleep(office.delay)
                try:
                    self.send_response(office.status)
                    self.send_header("Content-Type", "text/xml")
                    self.send_header("Content-Length", str(len(office.xml)))
                    self.end_headers()
                    self.wfile.write(office.xml)
                except (BrokenPipeError, ConnectionResetError):  # the portal gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/hosting/discovery"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@pytest.fixture(scope="module")
def proof_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture(scope="module")
def old_proof_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture
def office(settings, proof_key, old_proof_key):
    """An office server with proof keys (current and old), configured for the portal."""
    server = OfficeServer(xml=discovery_xml(proof_key, old_proof_key))
    server.start()
    settings.WOPI_DISCOVERY_URL = server.url
    settings.WOPI_HOST_URL = HOST
    discovery.forget()
    yield server
    discovery.forget()
    server.stop()


def sign(key: rsa.RSAPrivateKey, access_token: str, url: str, timestamp: int) -> str:
    data = proofkeys.expected_proof(access_token, url, timestamp)
    return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()


def wopi_url(file, *, contents: bool = False, collab_id: int | None = None) -> str:
    name = "files:wopi_contents" if contents else "files:wopi_file"
    return reverse(name, kwargs={"collab_id": collab_id or file.collab_id, "file_id": file.pk})


class Office:
    """Calls the WOPI endpoints as the office server does: the token in the query, each
    request signed with `key` (None: unsigned), `old_key` making X-WOPI-ProofOld."""

    def __init__(self, client, key, old_key=None, *, host: str = HOST) -> None:
        self.client = client
        self.key = key
        self.old_key = old_key
        self.host = host
        self.timestamp: int | None = None  # None: now

    def headers(self, url: str, token: str, extra: dict) -> dict:
        headers = dict(extra)
        stamp = self.timestamp if self.timestamp is not None else proofkeys.ticks(time.time())
        full = self.host + url
        if self.key is not None:
            headers["X-WOPI-Proof"] = sign(self.key, token, full, stamp)
        if self.old_key is not None:
            headers["X-WOPI-ProofOld"] = sign(self.old_key, token, full, stamp)
        headers["X-WOPI-TimeStamp"] = str(stamp)
        return headers

    def _url(self, path: str, token: str) -> str:
        return f"{path}?{urlencode({'access_token': token})}"

    def get(self, path: str, token: str, **extra):
        url = self._url(path, token)
        return self.client.get(url, headers=self.headers(url, token, extra))

    def post(self, path: str, token: str, body: bytes = b"", **extra):
        url = self._url(path, token)
        return self.client.generic(
            "POST",
            url,
            body,
            content_type="application/octet-stream",
            headers=self.headers(url, token, extra),
        )


def token_for(user, file, right: str = tokens.EDIT, **kwargs) -> str:
    return tokens.issue(user, file, right, **kwargs)[0]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def forget_discovery() -> None:
    """Drop the cached document (in the cache and in the process)."""
    discovery.forget()
