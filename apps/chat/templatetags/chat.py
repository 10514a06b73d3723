from django import template
from django.middleware.csrf import get_token
from django.utils.safestring import mark_safe

from .. import system
from ..partials import fill_csrf, render_for

register = template.Library()


@register.simple_tag
def system_text(message) -> str:
    """A system message's sentence in the active language (autoescaped by the template)."""
    return system.render(message.system_type, message.system_data)


@register.simple_tag(takes_context=True)
def render_message(context, message, reader) -> str:
    """The message partial for this reader: the same code path as the WebSocket push, with
    the reader's CSRF token put into its forms."""
    html = render_for(message, reader)
    request = context.get("request")
    if request is not None:
        html = fill_csrf(html, get_token(request))
    return mark_safe(html)  # noqa: S308 - a rendered, autoescaped template


@register.simple_tag
def feature_url(item, collab_id, message_id=None) -> str:
    """The URL of a feature's item (features.Item) in this collab, for this message."""
    return item.url(collab_id, message_id)
