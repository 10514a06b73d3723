"""A real SMTP server for the tests (aiosmtpd, on a free loopback port): mail goes through a
whole SMTP conversation, and the test reads what arrived.

    from tests.smtp import smtp_server  # noqa: F401  (the fixture)
"""

import email
import email.policy
import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller

REFUSAL = "550 5.1.1 No such user here"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        # Recipients the server refuses (RCPT TO answered with REFUSAL), as a mail server
        # refuses an address it does not know; a test adds and removes them.
        self.refused: set[str] = set()
        self._arrived = threading.Condition()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return REFUSAL
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._arrived:
            self.messages.clear()
            self.refused.clear()

    def wait_for(self, to: str, timeout: float = 10.0) -> email.message.EmailMessage:
        """The first message to `to`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for message in self.messages:
                    if to in str(message["To"]):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no email to {to} arrived")
                self._arrived.wait(left)

    @staticmethod
    def text(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = _free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def settings_env(self) -> dict[str, str]:
        """The environment that points the project's settings at this server."""
        return {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_USE_SSL": "0",
        }


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer()
    server.controller.start()
    yield server
    server.controller.stop()


@pytest.fixture
def smtp(smtp_server, settings):
    """Django's mail sent through the real SMTP server for this test; returns its inbox."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    smtp_server.inbox.clear()
    return smtp_server.inbox
