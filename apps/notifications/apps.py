from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The notification centre: one service (services.notify) the features tell people things
    through, the bell in the top bar and the notifications page. It registers no kinds of its
    own: features do (kinds.register_kind)."""

    name = "apps.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from apps.collabs.topbar import register_menu_link, register_topbar_item

        from . import services

        register_topbar_item(
            "notifications",
            "notifications/_bell.html",
            context=lambda request: {"unread": lambda: services.unread_count(request.user)},
            order=90,
        )
        register_menu_link(
            "notifications", _("Notification settings"), "notifications:settings", order=50
        )
