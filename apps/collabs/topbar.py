"""The top bar: what features show beside "My collabs", and the links they add to the account
menu. base.html names no feature; it renders what is registered here.

A feature registers in its AppConfig.ready():

    from apps.collabs.topbar import register_topbar_item, register_menu_link

    register_topbar_item(
        "tasks",                        # a key of the feature's own
        "tasks/_topbar.html",           # rendered in the top bar's <nav>, for signed-in people
        context=lambda request: {"open": lambda: open_tasks_of(request.user)},
        order=20,                       # lower first; the notifications' bell is 90
    )
    register_menu_link("tasks", _("My tasks"), "tasks:mine", order=20)

The template gets `item` (the registration: `item.key`) and `ctx`, the dict its `context`
returned (empty when it has none). The items are worked out lazily: the context processor
hands the templates a callable, so nothing runs, and no query is made, on a page that does not
render the top bar. `context` itself runs when the top bar is rendered: put anything that
queries behind a callable in the dict (as above), and the template's first use of it makes the
query. A top-bar item with a counter costs its page that one query.

A menu link is `label` (lazy text), a URL name reversed without arguments, and an order.
`shown(request)`, when given, says whether the person sees the item or link.

The tasks feature will register a "My tasks" link with a counter this way; the notifications
app registers its bell (apps/notifications/apps.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse


@dataclass(frozen=True)
class TopbarItem:
    key: str
    template: str
    context: Callable | None = None  # (request) -> dict
    order: int = 100
    shown: Callable | None = None  # (request) -> bool


@dataclass(frozen=True)
class MenuLink:
    key: str
    label: object  # lazy text
    url_name: str
    order: int = 100
    shown: Callable | None = None  # (request) -> bool


@dataclass
class RenderedItem:
    item: TopbarItem
    ctx: dict = field(default_factory=dict)

    @property
    def template(self) -> str:
        return self.item.template


_items: dict[str, TopbarItem] = {}
_menu_links: dict[str, MenuLink] = {}


def register_topbar_item(
    key: str,
    template: str,
    context: Callable | None = None,
    order: int = 100,
    *,
    shown: Callable | None = None,
) -> None:
    _items[key] = TopbarItem(key, template, context, order, shown)


def unregister_topbar_item(key: str) -> None:
    _items.pop(key, None)


def register_menu_link(
    key: str, label, url_name: str, order: int = 100, *, shown: Callable | None = None
) -> None:
    _menu_links[key] = MenuLink(key, label, url_name, order, shown)


def unregister_menu_link(key: str) -> None:
    _menu_links.pop(key, None)


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated and user.is_active


def items_for(request) -> list[RenderedItem]:
    """The top bar's items the person sees, in order, each with its context."""
    if not _signed_in(request):
        return []
    rendered = []
    for item in sorted(_items.values(), key=lambda i: (i.order, i.key)):
        if item.shown is not None and not item.shown(request):
            continue
        rendered.append(RenderedItem(item, item.context(request) if item.context else {}))
    return rendered


def menu_links_for(request) -> list[dict]:
    """The account menu's links the person sees, in order: {"key", "label", "url"}."""
    if not _signed_in(request):
        return []
    return [
        {"key": link.key, "label": link.label, "url": reverse(link.url_name)}
        for link in sorted(_menu_links.values(), key=lambda i: (i.order, i.key))
        if link.shown is None or link.shown(request)
    ]
