"""The collab page frame: what every page of a collab shows around its own content.

The page is an app shell: the list of the person's collabs on the left (rail.py; on a phone
the list is the "My collabs" page and the collab a second screen with a back button), the
collab's header, the page's content (the chat: the only part that scrolls) and the sidebar.

The chat, search, pinned messages, history, members, settings and every feature's pages extend
one template, `collabs/frame.html` (the collab's header with its name, picture, member count and
actions; the sidebar with its tabs, a drawer on a phone), and build its context with
`page_context`. A view renders a framed page with `render_frame`:

    return render_frame(request, "tasks/list.html", collab, {"tasks": tasks})

where the template starts with `{% extends "collabs/frame.html" %}` and fills the block
`collab_main`.

The sidebar's tabs are the core's Members tab and the tabs features register
(features.Feature.tabs). A tab's URL answers two ways (`render_tab`): an htmx request gets the
tab's partial, which the sidebar loads on demand and loads again when one of the tab's live
event kinds arrives (Item.refresh_on); a plain request (a link followed without JavaScript, or
opened in a new tab) gets a framed page showing the tab as its content.
"""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from . import features
from .models import Collab, Membership
from .permissions import RULES, membership_of, rights_of
from .rail import rail_context

# The core's own tab: who is in the collab, who is online. Its partial loads again when the
# membership changes ("members"); presence changes reach it without a request ("presence").
MEMBERS_TAB = features.Item("members", _("Members"), "collabs:members_tab", refresh_on=("members",))

# htmx sends the id of the element a request swaps into; the sidebar's panels are "tab-<key>".
_PANEL_PREFIX = "tab-"


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url: str
    refresh_on: str  # space-separated event kinds, for data-refresh-on


def _perms(rights: frozenset[str]) -> dict[str, bool]:
    """The rights for templates: cperms.collabs__invite etc."""
    return {name.replace(".", "__"): name in rights for name in RULES}


def sidebar_tabs(collab: Collab, rights: frozenset[str]) -> list[Tab]:
    items = [MEMBERS_TAB, *features.tabs(rights)]
    return [
        Tab(item.key, item.label, item.url(collab.pk), " ".join(item.refresh_on)) for item in items
    ]


def page_context(request: HttpRequest, collab: Collab, *, current: str = "", **extra) -> dict:
    """The context of a framed collab page: the collab, the person's membership and rights
    (cperms.<app>__<right> for templates), the member count, the header's actions and the
    sidebar's tabs that the person may see. `current` names the page, for the header's
    navigation ("chat", "members", "settings", a tab's key...)."""
    rights = rights_of(request.user, collab)
    # The list of the person's collabs beside the page (a column on a wide screen).
    rail = rail_context(request.user, collab.pk)
    return {
        "collab": collab,
        "membership": membership_of(request.user, collab),
        "cperms": _perms(rights),
        "member_count": _member_count(collab, rail["rail_rows"]),
        "header_actions": [(item, item.url(collab.pk)) for item in features.header_actions(rights)],
        "sidebar_tabs": sidebar_tabs(collab, rights),
        "frame_current": current,
        **rail,
        **extra,
    }


def _member_count(collab: Collab, rail_rows) -> int:
    """The header's member count: the list beside the page counted it already (the same
    count, rail._member_count), unless the person hid this collab from the list."""
    for row in rail_rows:
        if row.collab_id == collab.pk:
            return row.member_count
    return Membership.objects.current().filter(collab=collab).count()


def render_frame(
    request: HttpRequest,
    template: str,
    collab: Collab,
    context: dict | None = None,
    *,
    current: str = "",
    status: int = 200,
) -> HttpResponse:
    """A framed page: `template` extends collabs/frame.html."""
    ctx = page_context(request, collab, current=current)
    ctx.update(context or {})
    return render(request, template, ctx, status=status)


def is_tab_request(request: HttpRequest) -> bool:
    """Whether the request comes from the sidebar loading a tab into its panel."""
    return bool(request.htmx) and (request.htmx.target or "").startswith(_PANEL_PREFIX)


def render_tab(
    request: HttpRequest,
    collab: Collab,
    key: str,
    template: str,
    context: dict,
    *,
    title: str,
) -> HttpResponse:
    """A sidebar tab: its partial for the sidebar, or a framed page with the partial as its
    content for a plain request (no JavaScript, or a link opened on its own)."""
    ctx = {"collab": collab, **context}
    if is_tab_request(request):
        return render(request, template, ctx)
    ctx.update(tab_template=template, tab_title=title)
    return render_frame(request, "collabs/tab_page.html", collab, ctx, current=key)
