"""System messages: structured data written by the service that did the thing, rendered in
the reader's language when read (a Russian reader sees Russian).

Every app adds its kinds with `register(kind, renderer)`; a renderer takes the message's data
and returns the sentence in the active language. The chat itself knows only the kinds below.

How the sentences are built (issue 10). We know people's names, never their gender, and a
name is shown exactly as its owner typed it, so:

- English: one actor-first sentence in the simple past ("Anna created the collab").
- Russian: no finite verb at all, because a Russian past-tense verb agrees with the person's
  gender ("создал" / "создала") and the present tense ("создаёт") reads as if it were still
  happening. Each sentence states the result instead: a short passive participle agreeing
  with a thing ("коллаба создана", "настройки изменены", "приглашение отозвано") or a
  verbless "теперь …" / "больше не …" about a person ("Борис Иванов теперь в коллабе").
- Names stand only where Russian keeps the nominative: at the head of a sentence (the one who
  did it, followed by a colon, or the one the sentence is about) and after a dash. Never after
  a verb or a preposition, where a name would have to decline ("добавил Ольгу").
- The guest mark is the same everywhere: "Ольга Кузнецова (гость)", "Olga Kuznetsova (guest)";
  an invitee is always a guest, so they carry it too.

The sentences, kind by kind (Анна/Anna did it, to Борис/Boris or Ольга/Olga):

    created                 Анна: коллаба создана
                            Anna created the collab
    member_added            Анна: Борис теперь в коллабе
                            Anna added Boris
    member_removed          Анна: Борис больше не в коллабе
                            Anna removed Boris
    member_left             Борис больше не в коллабе
                            Boris left the collab
    role_changed            Анна: Борис теперь модератор
                            Anna made Boris moderator
    ownership_transferred   Анна: Борис теперь владелец коллабы
                            Anna handed the collab over to Boris
    settings_changed        Анна: настройки коллабы изменены
                            Anna changed the collab's settings
    member_joined, email    Ольга (гость) теперь в коллабе по приглашению на почту
                            Olga (guest) joined by an email invitation
    member_joined, phone    Ольга (гость) теперь в коллабе по приглашению на телефон
                            Olga (guest) joined by an invitation sent to their phone
    member_joined, link     Ольга (гость) теперь в коллабе по ссылке-приглашению
                            Olga (guest) joined by link
    member_joined           Ольга теперь в коллабе
                            Olga joined
    member_expired          Ольга (гость) больше не в коллабе: гостевой доступ завершён
                            The guest access of Olga (guest) ended

(The invitations app registers its own kinds the same way: apps/invitations/receivers.py.)
"""

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.collabs.models import Role

Renderer = Callable[[dict], str]
_renderers: dict[str, Renderer] = {}


def register(kind: str, renderer: Renderer) -> None:
    _renderers[kind] = renderer


def kinds() -> list[str]:
    """Every registered kind (the tests render each one in every language)."""
    return sorted(_renderers)


def render(kind: str, data: dict) -> str:
    renderer = _renderers.get(kind)
    if renderer is None:
        return _("Something happened in the collab.")
    return renderer(data)


def guest(name: str) -> str:
    """A name with the guest mark, the same in every sentence."""
    return _("%(name)s (guest)") % {"name": name}


def person(data: dict, key: str = "user") -> str:
    """A person's name as stored at the time, with the guest mark."""
    name = data.get(f"{key}_name") or _("someone")
    return guest(name) if data.get(f"{key}_guest") else name


# The role as it reads inside a sentence ("made Anna moderator", "Анна теперь модератор");
# the stored data holds the role's value, which Role's members equal. A context of their own,
# since elsewhere the same words may need another form.
ROLE_NAMES = {
    Role.OWNER: lambda: pgettext("role in a system message", "owner"),
    Role.MODERATOR: lambda: pgettext("role in a system message", "moderator"),
    Role.MEMBER: lambda: pgettext("role in a system message", "member"),
    Role.GUEST: lambda: pgettext("role in a system message", "guest"),
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
