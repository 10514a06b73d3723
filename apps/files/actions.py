"""What can be done with a file, registered by whoever offers it.

The files app and other features (signing: "Send for signature"; online editing: "Edit
online") register actions here in their AppConfig.ready(); the file's page, the Files
section's rows and the Files tab show the actions a person may use on that file, in `order`.
The files app never names the features that plug into it.

    register_file_action(FileAction(
        "sign", _("Send for signature"), "signing:start", right="signing.create_request",
        applies=lambda file: file.current_version.content_type == "application/pdf",
    ))

An action's URL is reversed with the collab's and the file's ids (`collab_id`, `file_id`); it
is a page that works without JavaScript (a form asking to confirm, an editor).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.urls import get_urlconf, reverse
from django.utils.functional import Promise

# A file id no file has, reversed once per URL name and collab, then replaced: a listing of 50
# files with five links each costs no reverse() per link (55 µs each, the rows' largest cost).
_SENTINEL = "7777777777777777777"


@lru_cache(maxsize=4096)
def _pattern(url_name: str, collab_id: int, urlconf) -> tuple[str, str]:
    url = reverse(url_name, kwargs={"collab_id": collab_id, "file_id": int(_SENTINEL)})
    head, _found, tail = url.rpartition(_SENTINEL)
    return head, tail


def file_url(url_name: str, collab_id: int, file_id: int) -> str:
    """reverse(url_name, collab_id=..., file_id=...) for the URLs of a file, without reversing
    for every file of a listing."""
    head, tail = _pattern(url_name, collab_id, get_urlconf())
    return f"{head}{file_id}{tail}"


@dataclass(frozen=True)
class FileAction:
    key: str
    label: str | Promise
    url_name: str
    # The collab right a person needs to see the action ("files.change_file"); None: anyone
    # who sees the file.
    right: str | None = None
    # Whether the action fits this file (a File with its current_version loaded); None: all.
    # It must not query the database: it runs for every file of a listing.
    applies: Callable | None = None
    order: int = 100
    # Destructive actions (delete) are shown apart, last, in red.
    danger: bool = False

    def url(self, collab_id: int, file_id: int) -> str:
        return file_url(self.url_name, collab_id, file_id)


_actions: dict[str, FileAction] = {}


def register_file_action(action: FileAction) -> None:
    _actions[action.key] = action


def unregister_file_action(key: str) -> None:
    _actions.pop(key, None)


def registered() -> list[FileAction]:
    return sorted(_actions.values(), key=lambda a: (a.danger, a.order, a.key))


def actions_for(file, rights) -> list[tuple[FileAction, str]]:
    """The actions a person with `rights` (permissions.rights_of) may use on `file`, each with
    its URL. No query: `file.current_version` must be loaded (list_files does)."""
    if file.in_trash:
        return []
    return [
        (action, action.url(file.collab_id, file.pk))
        for action in registered()
        if (action.right is None or action.right in rights)
        and (action.applies is None or action.applies(file))
    ]
