"""The feature registry: how an app (files, tasks, calendar, signing, calls) plugs into the
core without the core naming it.

A feature registers once, in its AppConfig.ready(), with `register_feature(Feature(...))`:

- its **rights** (view / create / edit / delete, Bitrix24's model), each a permission name of
  the access layer ("tasks.view_task") with a default level; the collab's settings page shows
  a row of level choices for each installed feature, the access layer's RULES gain one rule
  per right, and the choices are stored per collab in CollabFeatureSettings (JSON checked
  against the feature's rights, never a column of Collab);
- its **tabs** (the collab page's sidebar), **message actions** (the "…" menu of a chat
  message, e.g. "Create task"), **composer items** (the paperclip menu) and **header actions**
  (the collab header), each naming the right a person needs to see it;
- its **URLs** (a module mounted at /collabs/<id>/<key>/, namespace <key>, and optionally a
  site-level one at /<key>/, namespace my_<key>, for pages across the person's collabs), its **page
  sections**, its **content counter** (deleting a collab is refused while it holds anything)
  and its **live event kinds** go through registry.register_page_section,
  registry.register_content_counter and live.register_event from the same ready().

A feature that is not installed adds nothing: no setting, no control, no rule.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils.functional import Promise

from .models import Collab, CollabFeatureSettings, Level

VERBS = ("view", "create", "edit", "delete")

_CACHE_ATTR = "_feature_levels"


@dataclass(frozen=True)
class FeatureRight:
    verb: str  # one of VERBS
    perm: str  # the access layer's name for it, e.g. "tasks.view_task"
    label: str | Promise  # "who may view tasks"
    default: str = Level.MEMBERS


@dataclass(frozen=True)
class Item:
    """A control a feature adds: a sidebar tab, a message action, a composer (paperclip) item
    or a header action. `url_name` is reversed with the collab's id (and the message's, for a
    message action: `?message=<id>` is added); `right` is what a person needs to see it."""

    key: str
    label: str | Promise
    url_name: str
    right: str | None = None
    # A sidebar tab only: the live event kinds after which an open tab loads itself again
    # (the Links tab: "links"; a files tab: its own kind).
    refresh_on: tuple[str, ...] = ()
    # A hook for the feature's own script, rendered as data-behaviour on the control: the
    # link works without JavaScript (a page), and the script may take the click over (the
    # paperclip's "Upload files": files' uploads.js opens the file chooser instead).
    behaviour: str = ""

    def url(self, collab_id: int, message_id: int | None = None) -> str:
        url = reverse(self.url_name, kwargs={"collab_id": collab_id})
        return f"{url}?message={message_id}" if message_id is not None else url


@dataclass(frozen=True)
class Feature:
    key: str  # the app's label: "tasks"
    label: str | Promise  # "Tasks"
    rights: tuple[FeatureRight, ...] = ()
    tabs: tuple[Item, ...] = ()
    message_actions: tuple[Item, ...] = ()
    composer_items: tuple[Item, ...] = ()
    header_actions: tuple[Item, ...] = ()
    # A URLconf module mounted at /collabs/<collab_id>/<key>/ under the namespace <key>.
    urls: str | None = None
    # A URLconf module of the feature's pages outside any collab (a person's own view across
    # their collabs, e.g. "My tasks"), mounted at /<key>/ under the namespace my_<key>.
    site_urls: str | None = None
    extra: dict = field(default_factory=dict)

    def right(self, verb: str) -> FeatureRight | None:
        return next((r for r in self.rights if r.verb == verb), None)


_features: dict[str, Feature] = {}


def register_feature(feature: Feature) -> None:
    """Register a feature (in its AppConfig.ready()): its rights become rules of the access
    layer at once."""
    from . import permissions

    for right in feature.rights:
        if right.verb not in VERBS:
            raise ValueError(f"{feature.key}: unknown verb {right.verb!r}")
        if right.default not in Level.values:
            raise ValueError(f"{feature.key}: unknown level {right.default!r}")
        if right.perm in permissions.RULES and right.perm not in _feature_perms():
            raise ValueError(f"{feature.key}: {right.perm} is a core right")
    unregister_feature(feature.key)
    _features[feature.key] = feature
    for right in feature.rights:
        permissions.RULES[right.perm] = _level_rule(feature.key, right)


def unregister_feature(key: str) -> None:
    from . import permissions

    feature = _features.pop(key, None)
    if feature is not None:
        for right in feature.rights:
            permissions.RULES.pop(right.perm, None)


def features() -> list[Feature]:
    return list(_features.values())


def get_feature(key: str) -> Feature | None:
    return _features.get(key)


def _feature_perms() -> set[str]:
    return {right.perm for feature in _features.values() for right in feature.rights}


def _level_rule(key: str, right: FeatureRight) -> Callable:
    def rule(user, collab, membership) -> bool:
        from .permissions import level_allows

        return level_allows(level_of(collab, key, right.verb), membership, user)

    rule.__name__ = f"level_of_{key}_{right.verb}"
    return rule


# --- The stored choices -------------------------------------------------------------------------


def stored_levels(collab: Collab) -> dict:
    """The collab's feature settings as stored ({feature: {verb: level}}), read once per collab
    object (get_collab_for brings the row with the collab, so usually no query at all)."""
    cached = collab.__dict__.get(_CACHE_ATTR)
    if cached is None:
        try:
            cached = collab.feature_settings.levels or {}
        except CollabFeatureSettings.DoesNotExist:
            cached = {}
        collab.__dict__[_CACHE_ATTR] = cached
    return cached


def level_of(collab: Collab, key: str, verb: str) -> str:
    """The level a feature's right has in the collab: the stored choice, else the default."""
    feature = _features.get(key)
    right = feature.right(verb) if feature else None
    default = right.default if right else Level.MODERATORS
    level = stored_levels(collab).get(key, {}).get(verb, default)
    return level if level in Level.values else default


def levels_of(collab: Collab) -> dict[str, dict[str, str]]:
    """Every installed feature's levels in the collab, defaults filled in."""
    return {
        feature.key: {
            right.verb: level_of(collab, feature.key, right.verb) for right in feature.rights
        }
        for feature in _features.values()
    }


def validate(values: dict) -> dict[str, dict[str, str]]:
    """{feature: {verb: level}} checked against the installed features' rights: unknown
    features, verbs or levels raise ValueError (the form offers only valid ones)."""
    clean: dict[str, dict[str, str]] = {}
    for key, levels in values.items():
        feature = _features.get(key)
        if feature is None or not isinstance(levels, dict):
            raise ValueError(f"Unknown feature: {key!r}")
        for verb, level in levels.items():
            if feature.right(verb) is None:
                raise ValueError(f"{key}: unknown right {verb!r}")
            if level not in Level.values:
                raise ValueError(f"{key}.{verb}: unknown level {level!r}")
            clean.setdefault(key, {})[verb] = level
    return clean


def store_levels(collab: Collab, changes: dict[str, dict[str, str]]) -> list[str]:
    """Write changed levels (already validated) into the collab's settings row, keeping what is
    stored for features not installed now. Returns "feature.verb" for each change."""
    changed = [
        f"{key}.{verb}"
        for key, levels in changes.items()
        for verb, level in levels.items()
        if level_of(collab, key, verb) != level
    ]
    if not changed:
        return []
    with transaction.atomic():
        row, _created = CollabFeatureSettings.objects.select_for_update().get_or_create(
            collab=collab
        )
        levels = dict(row.levels or {})
        for key, verbs in changes.items():
            levels[key] = {**levels.get(key, {}), **verbs}
        row.levels = levels
        row.save(update_fields=["levels"])
    collab.__dict__[_CACHE_ATTR] = levels
    return changed


# --- What a person sees ---------------------------------------------------------------------------


def _allowed(items, rights) -> list[Item]:
    return [item for item in items if item.right is None or item.right in rights]


def tabs(rights) -> list[Item]:
    return [tab for feature in _features.values() for tab in _allowed(feature.tabs, rights)]


def message_actions(rights) -> list[Item]:
    return [
        item for feature in _features.values() for item in _allowed(feature.message_actions, rights)
    ]


def composer_items(rights) -> list[Item]:
    return [
        item for feature in _features.values() for item in _allowed(feature.composer_items, rights)
    ]


def header_actions(rights) -> list[Item]:
    return [
        item for feature in _features.values() for item in _allowed(feature.header_actions, rights)
    ]


def viewable_collabs(user, key: str) -> dict[int, Collab]:
    """{collab id: collab} of the person's current collabs where they hold the feature's view
    right: one query (their active memberships with each collab's feature settings), each
    judged in Python by the access layer's own level_allows. What a feature's pages across
    collabs ("My tasks", "My calendar", the calendar feed) filter by: `collab_id IN (...)`."""
    from .models import Membership
    from .permissions import level_allows

    if not user.is_authenticated or not user.is_active:
        return {}
    memberships = (
        Membership.objects.active()
        .filter(user=user)
        .select_related("collab", "collab__feature_settings")
    )
    return {
        m.collab_id: m.collab
        for m in memberships
        if level_allows(level_of(m.collab, key, "view"), m, user)
    }
