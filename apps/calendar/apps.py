from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarConfig(AppConfig):
    # The package is apps.calendar; inside it, `import calendar` still means the standard
    # library's module (absolute imports), and this app's modules import each other with
    # relative imports.
    name = "apps.calendar"
    label = "calendar"
    verbose_name = _("Calendar")

    def ready(self) -> None:
        from apps.chat.attachments import AttachmentKind, register_kind
        from apps.collabs.features import Feature, FeatureRight, Item, register_feature
        from apps.collabs.models import Level

        from .rules import CREATE, DELETE, EDIT, VIEW

        # Everyone in the collab (guests included) sees its meetings and plans them; moving
        # anyone's meeting is for the collab's employees, cancelling it for the owner and
        # moderators. An organizer edits and cancels their own (rules.py).
        register_feature(
            Feature(
                key="calendar",
                label=_("Calendar"),
                rights=(
                    FeatureRight("view", VIEW, _("who may view meetings")),
                    FeatureRight("create", CREATE, _("who may plan meetings")),
                    FeatureRight("edit", EDIT, _("who may edit meetings"), Level.EMPLOYEES),
                    FeatureRight("delete", DELETE, _("who may cancel meetings"), Level.MODERATORS),
                ),
                # The next meetings in the sidebar, loaded again on each "calendar" event.
                tabs=(
                    Item(
                        "calendar",
                        _("Calendar"),
                        "calendar:tab",
                        right=VIEW,
                        refresh_on=("calendar",),
                    ),
                ),
                message_actions=(
                    Item(
                        "meeting",
                        _("Plan meeting"),
                        "calendar:create",
                        right=CREATE,
                        behaviour="dialog",
                    ),
                ),
                composer_items=(
                    Item(
                        "meeting",
                        _("Plan meeting"),
                        "calendar:create",
                        right=CREATE,
                        behaviour="dialog",
                    ),
                    Item(
                        "free_slots",
                        _("Send free slots"),
                        "calendar:link_create",
                        right=CREATE,
                        behaviour="dialog",
                    ),
                ),
                header_actions=(
                    Item("calendar", _("Calendar"), "calendar:agenda", right=VIEW),
                    Item(
                        "new_meeting",
                        _("Plan meeting"),
                        "calendar:create",
                        right=CREATE,
                        behaviour="dialog",
                    ),
                ),
                urls="apps.calendar.urls",
                # "My calendar", working hours, the feed and the booking pages, at /calendar/
                # (namespace my_calendar).
                site_urls="apps.calendar.site_urls",
            )
        )
        # The meeting's card under the chat's note and under the message it was planned
        # from, kept current as it moves; a free-slot link's card (anyone may open it).
        register_kind(AttachmentKind("meeting", "calendar/_card.html", right=VIEW))
        register_kind(AttachmentKind("slot_link", "calendar/_link_card.html"))
        # Open calendars and sidebars follow the collab's meetings.
        from apps.collabs import live

        live.register_event("calendar", _calendar_frame, right=VIEW)
        from . import notification_kinds, receivers  # noqa: F401

        notification_kinds.register()
        # The person's own calendar pages, in the account menu.
        from apps.collabs.topbar import register_menu_link

        register_menu_link("calendar", _("My calendar"), "my_calendar:mine", order=30)
        register_menu_link("calendar_hours", _("Working hours"), "my_calendar:hours", order=31)


def _calendar_frame(event, reader, collab) -> dict:
    data = event["data"]
    return {"type": "calendar", "action": data.get("action"), "meeting": data.get("meeting")}
