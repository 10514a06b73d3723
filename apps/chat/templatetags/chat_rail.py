"""The chat's part of a row in the list of collabs (collabs/_rail_row.html)."""

from django import template
from django.utils.safestring import mark_safe

from ..preview import render_preview

register = template.Library()


@register.simple_tag(takes_context=True)
def chat_preview(context, preview) -> str:
    """The last message's preview for the signed-in reader, in the active language and time
    zone; empty when the chat has no message yet."""
    if preview is None:
        return ""
    user = context.get("user")
    return mark_safe(render_preview(preview, getattr(user, "pk", None)))  # noqa: S308 - a rendered, autoescaped template
