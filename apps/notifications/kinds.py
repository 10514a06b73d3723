"""The kinds of notification, registered by the features that send them.

The notifications app registers none; a feature does, in its AppConfig.ready():

    from apps.notifications.kinds import NotificationKind, register_kind

    register_kind(
        NotificationKind(
            key="task_assigned",
            label=_("A task is assigned to me"),     # the preferences page's row (lazy text)
            render=lambda data: _("%(actor)s assigned you “%(title)s”") % data,
            email=True,                              # may be emailed (people can opt out)
            email_subject=lambda data: ...,          # optional; default: render(data)
            email_body=lambda data: ...,             # optional; default: render(data)
        )
    )

Notifications store structured data (names as they were when it happened); `render(data)`
makes the sentence when it is read, in the active language: the reader's, since pages run in
it and emails are built under translation.override(user.language). A notification of a kind
no installed feature registers any more reads as a generic sentence.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

Renderer = Callable[[dict], str]


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: object  # lazy text: what it is about, for the preferences page
    render: Renderer
    email: bool = False
    email_subject: Renderer | None = None
    email_body: Renderer | None = None

    def subject(self, data: dict) -> str:
        return (self.email_subject or self.render)(data)

    def body(self, data: dict) -> str:
        return (self.email_body or self.render)(data)


_kinds: dict[str, NotificationKind] = {}


def register_kind(kind: NotificationKind) -> None:
    if len(kind.key) > 64:
        raise ValueError(f"Notification kind key too long: {kind.key}")
    _kinds[kind.key] = kind


def unregister_kind(key: str) -> None:
    _kinds.pop(key, None)


def get_kind(key: str) -> NotificationKind | None:
    return _kinds.get(key)


def kinds() -> list[NotificationKind]:
    return list(_kinds.values())


def email_kinds() -> list[NotificationKind]:
    """The kinds that may be emailed: the preferences page lists them."""
    return [kind for kind in _kinds.values() if kind.email]


def render(key: str, data: dict) -> str:
    kind = _kinds.get(key)
    if kind is None:
        return _("Something happened that you were told about.")
    return kind.render(data)
