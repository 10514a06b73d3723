"""Pages as a person meets them, without a browser: reading what a page says (as a screen
reader would) and filling in its forms the way a browser submits them."""

from html.parser import HTMLParser

from django.forms.models import model_to_dict

from apps.collabs import features
from apps.collabs.models import Collab
from apps.collabs.services import SETTINGS_FIELDS

# Elements that HTML never closes.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Page(HTMLParser):
    """Collects alerts (role="alert" text), headings (h1, h2), controls (button, summary,
    link) by accessible name and whether they are disabled, and the collab names of the
    /collabs/ list in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.alerts: list[str] = []
        self.controls: list[dict] = []
        self.collab_names: list[str] = []
        self.headings: list[str] = []
        # Open elements that collect text: (tag, kind, record).
        self._stack: list[tuple[str, str, dict]] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag in VOID:
            return
        kind = ""
        record: dict = {"text": ""}
        if a.get("role") == "alert":
            kind = "alert"
        elif tag in ("button", "summary", "a"):
            kind = "control"
            record.update(tag=tag, label=a.get("aria-label"), disabled="disabled" in a)
        elif tag in ("h1", "h2"):
            kind = "heading"
        elif "collab-name" in a.get("class", "").split() and tag == "span":
            kind = "collab-name"
        self._stack.append((tag, kind, record))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        # Pop to the matching element (tolerates sloppy markup).
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                for _tag, kind, record in reversed(self._stack[i:]):
                    self._finish(kind, record)
                del self._stack[i:]
                return

    def handle_data(self, data):
        for _tag, kind, record in self._stack:
            if kind:
                record["text"] += data

    def _finish(self, kind: str, record: dict) -> None:
        text = " ".join(record["text"].split())
        if kind == "alert":
            self.alerts.append(text)
        elif kind == "control":
            self.controls.append(
                {
                    "tag": record["tag"],
                    "name": record["label"] or text,
                    "disabled": record["disabled"],
                }
            )
        elif kind == "collab-name":
            self.collab_names.append(text)
        elif kind == "heading":
            self.headings.append(text)


def read(response) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    page.close()
    return page


def alerts(response) -> list[str]:
    return read(response).alerts


def control_names(response, tag: str | None = None) -> list[str]:
    """Accessible names (aria-label, else text) of buttons, summaries and links."""
    return [c["name"] for c in read(response).controls if tag is None or c["tag"] == tag]


def collab_names(response) -> list[str]:
    """The collabs of the /collabs/ list, in the order shown."""
    return read(response).collab_names


def form_data(collab: Collab, **changes) -> dict:
    """The full settings form as a browser submits it: an unchecked box is left out."""
    values = {
        **model_to_dict(collab, fields=["name", "description", *SETTINGS_FIELDS]),
        **{
            f"feature__{key}__{verb}": level
            for key, levels in features.levels_of(collab).items()
            for verb, level in levels.items()
        },
        **changes,
    }
    data = {}
    for name, value in values.items():
        if value is True:
            data[name] = "on"
        elif value is not False:
            data[name] = value
    return data
