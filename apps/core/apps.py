from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .inputs import IdConverter

        # `<id:collab_id>` in every URL of ours: out-of-range ids are 404, not a 500.
        register_converter(IdConverter, "id")
