"""The invitation email through a real SMTP conversation (aiosmtpd), and its link working."""

import re
from urllib.parse import urlsplit

import pytest

from apps.invitations import services

pytestmark = pytest.mark.django_db


def test_the_invitation_arrives_over_smtp_and_its_link_opens_the_invitation(
    client, smtp, collab, owner, committed
):
    with committed():
        services.invite_by_email(collab, owner, "ivan@example.com", name="Ivan Petrov")

    received = smtp.wait_for("ivan@example.com")
    body = smtp.text(received)
    link = re.search(r"https?://\S+/invite/\S+/", body).group(0)
    assert collab.name in str(received["Subject"])

    page = client.get(urlsplit(link).path)

    assert page.status_code == 200
    assert collab.name in page.content.decode()
