"""The notifications' tests register a kind of their own, as a feature would (the app itself
registers none): "demo_joined", emailed, and "demo_quiet", never emailed. Its sentence is one
the chat has translated already, so the tests can read it in Russian."""

import pytest
from django.utils.translation import gettext as _

from apps.notifications import services
from apps.notifications.kinds import NotificationKind, register_kind, unregister_kind

DEMO = "demo_joined"
QUIET = "demo_quiet"


def _render(data: dict) -> str:
    return _("%(user)s joined") % {"user": data.get("name", "")}


@pytest.fixture(autouse=True)
def demo_kinds():
    register_kind(NotificationKind(key=DEMO, label="Someone joins", render=_render, email=True))
    register_kind(NotificationKind(key=QUIET, label="Quiet things", render=_render))
    yield
    unregister_kind(DEMO)
    unregister_kind(QUIET)


@pytest.fixture
def tell():
    """tell(users, collab=..., actor=..., name=...) -> the notifications written."""

    def _tell(users, *, collab=None, actor=None, name="Boris", kind=DEMO, url="/collabs/"):
        return services.notify(
            users, kind, collab=collab, actor=actor, data={"name": name}, url=url
        )

    return _tell
