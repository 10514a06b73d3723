"""A kind of notification that exists only in the tests, sent by the test feature (tests/board)
when someone makes a card: the board registers it in its ready() and notifies, on "New card",
the collab's members who may view cards. It runs in the browser tests' server too, so a
notification made there reaches an open page live (tests/e2e/test_notifications.py).
(Plain strings: nothing here is the portal's interface.)"""

from apps.notifications.kinds import NotificationKind, register_kind

CARD = "board_card"


def _render(data: dict) -> str:
    return "{actor} made a card: {title}".format(**{"actor": "", "title": "", **data})


def register() -> None:
    register_kind(
        NotificationKind(key=CARD, label="A card is made in my collab", render=_render, email=True)
    )
