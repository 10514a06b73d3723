"""What a collab holds, registered by the apps that own it.

The core never imports a feature. A feature app (files, tasks, calendar) registers a counter
here in its AppConfig.ready(); deleting a collab is refused while any counter is above zero,
and the refusal names exactly what is left ("3 files, 1 task").
"""

from collections.abc import Callable
from dataclasses import dataclass

from .models import Collab


@dataclass(frozen=True)
class ContentCounter:
    key: str
    count: Callable[[Collab], int]
    # Takes the count, returns the phrase in the active language, e.g. "3 files".
    describe: Callable[[int], str]


_counters: dict[str, ContentCounter] = {}


def register_content_counter(
    key: str, count: Callable[[Collab], int], describe: Callable[[int], str]
) -> None:
    _counters[key] = ContentCounter(key, count, describe)


def unregister_content_counter(key: str) -> None:
    _counters.pop(key, None)


def remaining_content(collab: Collab) -> list[str]:
    """Phrases for what the collab still holds, in registration order; empty when nothing."""
    left = []
    for counter in _counters.values():
        n = counter.count(collab)
        if n:
            left.append(counter.describe(n))
    return left


# The collab page: features add their part (the chat, later the sidebar tabs) without the core
# importing them. `context(request, collab)` returns what the template needs, under a key of
# the feature's own.
# The members page takes sections the same way (page="members": the invitations).
# A section may name the collab right a person needs to see it (a feature's, e.g.
# "tasks.view_task"); its context is built only for those who see it.
@dataclass(frozen=True)
class PageSection:
    key: str
    template: str
    context: Callable
    page: str
    right: str | None = None


_sections: dict[str, PageSection] = {}


def register_page_section(
    key: str, template: str, context: Callable, *, page: str = "detail", right: str | None = None
) -> None:
    _sections[key] = PageSection(key, template, context, page, right)


def unregister_page_section(key: str) -> None:
    _sections.pop(key, None)


def page_sections(request, collab: Collab, page: str = "detail") -> tuple[list[str], dict]:
    """The templates of the sections registered for the page that the person may see, and
    their merged context."""
    from .permissions import RULES, can

    templates, context = [], {}
    for section in _sections.values():
        if section.page != page:
            continue
        # A right no installed feature gives (its feature gone) is a right nobody holds.
        if section.right is not None and (
            section.right not in RULES or not can(request.user, section.right, collab)
        ):
            continue
        templates.append(section.template)
        context.update(section.context(request, collab))
    return templates, context


# "My collabs" (the list page and the list beside a collab's pages): features annotate the
# memberships (unread counters) and render a snippet in each row, in one query whatever the
# number of collabs; a feature may also attach what one more query finds for all the rows at
# once (the chat: each collab's last message, `attach(rows, user)`), show it under the name
# (`preview_template`) and say when the collab was last active (it sets `activity_at` on a
# row: the list shows the most recently active first, after the pinned ones).
@dataclass(frozen=True)
class ListExtension:
    key: str
    annotate: Callable  # (queryset of Membership, user) -> queryset
    template: str
    attach: Callable | None = None  # (list of Membership, user) -> None
    preview_template: str | None = None


_list_extensions: dict[str, ListExtension] = {}


def register_list_extension(
    key: str,
    annotate: Callable,
    template: str,
    *,
    attach: Callable | None = None,
    preview_template: str | None = None,
) -> None:
    _list_extensions[key] = ListExtension(key, annotate, template, attach, preview_template)


def unregister_list_extension(key: str) -> None:
    _list_extensions.pop(key, None)


def annotate_list(queryset, user):
    for extension in _list_extensions.values():
        queryset = extension.annotate(queryset, user)
    return queryset


def attach_list(rows: list, user) -> list:
    for extension in _list_extensions.values():
        if extension.attach is not None:
            extension.attach(rows, user)
    return rows


def list_templates() -> list[str]:
    return [extension.template for extension in _list_extensions.values()]


def preview_templates() -> list[str]:
    return [e.preview_template for e in _list_extensions.values() if e.preview_template]
