"""Sending text messages, like Django's email backends: `send_sms(to, text)` goes through the
backend named by settings.SMS_BACKEND.

- FileBackend (the default): each message is a file under settings.SMS_FILE_PATH.
- ConsoleBackend: printed to standard output (development).
- HttpBackend: POSTs JSON {"to": "+79991234567", "text": "..."} to settings.SMS_GATEWAY_URL,
  with "Authorization: Bearer <SMS_GATEWAY_TOKEN>" when a token is set. Any 2xx is success.
"""

import json
import sys
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The message could not be handed over."""


class FileBackend:
    def send(self, to: str, text: str) -> None:
        folder = settings.SMS_FILE_PATH
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")  # sorts in sending order
        (folder / f"{stamp}-{uuid.uuid4().hex[:8]}.txt").write_text(
            f"To: {to}\n\n{text}\n", encoding="utf-8"
        )


class ConsoleBackend:
    def send(self, to: str, text: str) -> None:
        sys.stdout.write(f"SMS to {to}:\n{text}\n\n")
        sys.stdout.flush()


class HttpBackend:
    timeout = 10

    def send(self, to: str, text: str) -> None:
        headers = {"Content-Type": "application/json"}
        if settings.SMS_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.SMS_GATEWAY_TOKEN}"
        request = urllib.request.Request(  # noqa: S310 (the gateway is the operator's URL)
            settings.SMS_GATEWAY_URL,
            data=json.dumps({"to": to, "text": text}).encode(),
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise SmsError(f"gateway answered {response.status}")
        except (urllib.error.URLError, OSError) as exc:
            raise SmsError(str(exc)) from exc


def send_sms(to: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(to, text)
