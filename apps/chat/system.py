"""System messages: structured data written by the service that did the thing, rendered in
the reader's language when read (a Russian reader sees Russian).

Every app adds its kinds with `register(kind, renderer)`; a renderer takes the message's data
and returns the sentence in the active language. The chat itself knows only the kinds below.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _

from apps.collabs.models import Role

Renderer = Callable[[dict], str]
_renderers: dict[str, Renderer] = {}


def register(kind: str, renderer: Renderer) -> None:
    _renderers[kind] = renderer


def render(kind: str, data: dict) -> str:
    renderer = _renderers.get(kind)
    if renderer is None:
        return _("Something happened in the collab.")
    return renderer(data)


def person(data: dict, key: str = "user") -> str:
    """A person's name as stored at the time, with the guest mark."""
    name = data.get(f"{key}_name") or _("someone")
    if data.get(f"{key}_guest"):
        return _("%(name)s (guest)") % {"name": name}
    return name


# The role as it reads inside a sentence ("made Anna moderator"); the stored data holds the
# role's value, which Role's members equal.
ROLE_NAMES = {
    Role.OWNER: lambda: _("owner"),
    Role.MODERATOR: lambda: _("moderator"),
    Role.MEMBER: lambda: _("member"),
    Role.GUEST: lambda: _("guest"),
}


def _role(data: dict) -> str:
    return ROLE_NAMES.get(data.get("new", ""), lambda: data.get("new", ""))()


register("created", lambda d: _("%(actor)s created the collab") % {"actor": person(d, "actor")})
register(
    "member_added",
    lambda d: _("%(actor)s added %(user)s") % {"actor": person(d, "actor"), "user": person(d)},
)
register(
    "member_removed",
    lambda d: _("%(actor)s removed %(user)s") % {"actor": person(d, "actor"), "user": person(d)},
)
register("member_left", lambda d: _("%(user)s left the collab") % {"user": person(d)})
register(
    "role_changed",
    lambda d: (
        _("%(actor)s made %(user)s %(role)s")
        % {"actor": person(d, "actor"), "user": person(d), "role": _role(d)}
    ),
)
register(
    "ownership_transferred",
    lambda d: (
        _("%(actor)s handed the collab over to %(user)s")
        % {"actor": person(d, "actor"), "user": person(d)}
    ),
)
register(
    "settings_changed",
    lambda d: _("%(actor)s changed the collab's settings") % {"actor": person(d, "actor")},
)


def _joined(d: dict) -> str:
    user = {"user": person(d)}
    via = d.get("via")
    if via == "email":
        return _("%(user)s joined by an email invitation") % user
    if via == "phone":
        return _("%(user)s joined by an invitation sent to their phone") % user
    if via == "link":
        return _("%(user)s joined by link") % user
    return _("%(user)s joined") % user


register("member_joined", _joined)
register(
    "member_expired",
    lambda d: _("The guest access of %(user)s ended") % {"user": person(d)},
)
