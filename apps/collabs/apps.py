from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollabsConfig(AppConfig):
    name = "apps.collabs"
    label = "collabs"
    verbose_name = _("Collabs")

    def ready(self) -> None:
        from . import presence, receivers  # noqa: F401

        presence.register()
