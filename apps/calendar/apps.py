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
        from apps.collabs import live
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
                header_actions=(Item("calendar", _("Calendar"), "calendar:agenda", right=VIEW),),
                urls="apps.calendar.urls",
                # "My calendar", working hours, the feed and the booking pages, at /calendar/
                # (namespace my_calendar).
                site_urls="apps.calendar.site_urls",
            )
        )
        # Open tabs and calendar pages follow the collab's meetings (services publish
        # {"action": ..., "meeting": id}).
        live.register_event("calendar", _calendar_frame, right=VIEW)


def _calendar_frame(event, reader, collab) -> dict:
    data = event["data"]
    return {"type": "calendar", "action": data.get("action"), "meeting": data.get("meeting")}
