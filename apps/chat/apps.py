from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "apps.chat"
    label = "chat"
    verbose_name = _("Chat")

    def ready(self) -> None:
        from apps.collabs.features import Feature, Item, register_feature

        from . import events, receivers, system  # noqa: F401

        events.register()
        # The chat's own tab of the collab page's sidebar: the links posted in it. The "links"
        # event (a message with links sent, edited or deleted) makes an open tab load again.
        register_feature(
            Feature(
                key="chat",
                label=_("Chat"),
                tabs=(Item("links", _("Links"), "chat:links", refresh_on=("links",)),),
            )
        )
