import zoneinfo

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from .. import history, system
from ..partials import render_for

register = template.Library()

# A message that continues its author's group (history.continues) shows without avatar and
# name. The partial itself is shared by every place and reader and cached (partials.py), and
# whether it continues depends on its neighbour, so the class goes onto the rendered article
# here; the script does the same for a pushed message (chat.js, `regroup`).
_ARTICLE = '<article class="msg'
_ARTICLE_CONTINUED = '<article class="msg msg-cont'


@register.simple_tag
def system_text(message) -> str:
    """A system message's sentence in the active language (autoescaped by the template)."""
    return system.render(message.system_type, message.system_data)


@register.simple_tag
def render_message(message, reader, continuation=False) -> str:
    """The message partial for this reader: the same code path as the WebSocket push. It
    holds no form and no token: its reaction chips submit the page's one shared form
    (chat/_act_form.html)."""
    html = render_for(message, reader)
    if continuation and html.startswith(_ARTICLE):
        html = _ARTICLE_CONTINUED + html[len(_ARTICLE) :]
    return mark_safe(html)  # noqa: S308 - a rendered, autoescaped template


@register.simple_tag
def history_entries(window, reader, direction="") -> list:
    """The window's messages with their day separators and grouping (history.entries). A
    page without a direction stands alone; one put above or below loaded messages does not."""
    return history.entries(window, reader, standalone=not direction)


@register.filter
def day_key(value, reader) -> str:
    """The day of a moment in the reader's time zone, as the partials' data-day has it."""
    return timezone.localtime(value, zoneinfo.ZoneInfo(reader.tz)).date().isoformat()


@register.simple_tag
def feature_url(item, collab_id, message_id=None) -> str:
    """The URL of a feature's item (features.Item) in this collab, for this message."""
    return item.url(collab_id, message_id)
