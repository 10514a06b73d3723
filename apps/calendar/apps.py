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
        pass
