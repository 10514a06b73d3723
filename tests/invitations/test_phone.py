"""Invitations by phone: numbers parsed and stored in E.164, clear errors for bad ones, and the
text message through each backend — files (the default), the console, and an HTTP gateway
(a local server started by the test)."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError

from apps.chat.models import Message
from apps.invitations import services
from apps.invitations.models import Invitation
from apps.invitations.services import InvitationRefused
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed", ["+7 999 123-45-67", "8 (999) 123-45-67", "+79991234567", " 9991234567 "]
)
def test_numbers_are_stored_in_e164(collab, owner, typed):
    invitation = services.invite_by_phone(collab, owner, typed, name="Ivan Petrov")

    assert invitation.phone == "+79991234567"


@pytest.mark.parametrize("typed", ["", "12345", "call me", "+1 555", "+7 999 123"])
def test_a_bad_number_gets_a_clear_error_and_nothing_is_kept(collab, owner, typed, settings):
    with pytest.raises(ValidationError, match="phone number"):
        services.invite_by_phone(collab, owner, typed)

    assert not Invitation.objects.exists()
    assert not settings.SMS_FILE_PATH.exists() or not list(settings.SMS_FILE_PATH.iterdir())


def _sms_files(settings) -> list[str]:
    return [p.read_text() for p in sorted(settings.SMS_FILE_PATH.iterdir())]


def test_the_file_backend_writes_the_message_and_its_link_works_once(
    settings, collab, owner, committed
):
    with committed():
        services.invite_by_phone(collab, owner, "+79991234567", name="Ivan Petrov")

    [text] = _sms_files(settings)
    assert text.startswith("To: +79991234567")
    assert collab.name in text and owner.full_name in text
    token = re.search(r"/invite/([^/\s]+)/", text).group(1)
    newcomer = make_user("ivan@example.com", "Ivan Petrov", kind="guest")
    assert services.accept(token, newcomer) == collab
    with pytest.raises(InvitationRefused) as refused:
        services.accept(token, make_user("second@example.com", "Second", kind="guest"))
    assert refused.value.reason == InvitationRefused.USED
    invited = Message.objects.get(collab=collab, system_type="invited")
    assert (invited.system_data["invitee"], invited.system_data["channel"]) == (
        "Ivan Petrov",
        "phone",
    )


def test_the_console_backend_prints_the_message(settings, capsys, collab, owner, committed):
    settings.SMS_BACKEND = "apps.invitations.sms.ConsoleBackend"

    with committed():
        services.invite_by_phone(collab, owner, "+79991234567")

    printed = capsys.readouterr().out
    assert "SMS to +79991234567" in printed
    assert "/invite/" in printed


class Gateway:
    """A local SMS gateway: records what it is sent, answers with `status`."""

    def __init__(self, status: int = 200):
        self.received: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                gateway.received.append(
                    {
                        "auth": self.headers.get("Authorization"),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    gateways = []

    def start(status: int = 200) -> Gateway:
        gw = Gateway(status)
        gateways.append(gw)
        settings.SMS_BACKEND = "apps.invitations.sms.HttpBackend"
        settings.SMS_GATEWAY_URL = gw.url
        settings.SMS_GATEWAY_TOKEN = "gateway-secret"
        return gw

    yield start
    for gw in gateways:
        gw.close()


def test_the_http_gateway_gets_the_number_and_the_text(gateway, collab, owner, committed):
    gw = gateway()

    with committed():
        services.invite_by_phone(collab, owner, "+7 999 123-45-67")

    [call] = gw.received
    assert call["auth"] == "Bearer gateway-secret"
    assert call["body"]["to"] == "+79991234567"
    assert "/invite/" in call["body"]["text"]


def test_a_gateway_that_fails_leaves_the_invitation_not_delivered_and_resendable(
    gateway, collab, owner, committed
):
    broken = gateway(status=500)

    with committed():
        invitation = services.invite_by_phone(collab, owner, "+79991234567")

    invitation.refresh_from_db()
    assert invitation.delivery == Invitation.Delivery.FAILED
    assert "500" in invitation.delivery_error
    assert len(broken.received) == 1
    # Nothing is lost: the invitation and its line in the chat stay, and a resend goes out.
    assert Message.objects.filter(collab=collab, system_type="invited").exists()
    working = gateway()
    with committed():
        services.resend(collab, owner, invitation.pk)
    invitation.refresh_from_db()
    assert invitation.delivery == Invitation.Delivery.SENT
    assert invitation.delivery_error == ""
    [call] = working.received
    assert call["body"]["to"] == "+79991234567"


def test_resending_a_phone_invitation_texts_a_new_link(settings, collab, owner, committed):
    with committed():
        invitation = services.invite_by_phone(collab, owner, "+79991234567")
    with committed():
        services.resend(collab, owner, invitation.pk)

    first, second = _sms_files(settings)
    old = re.search(r"/invite/([^/\s]+)/", first).group(1)
    new = re.search(r"/invite/([^/\s]+)/", second).group(1)
    assert old != new
    with pytest.raises(InvitationRefused):
        services.find(old)
