from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilesConfig(AppConfig):
    name = "apps.files"
    label = "files"
    verbose_name = _("Files")

    def ready(self) -> None:
        from apps.collabs import live
        from apps.collabs.features import Feature, FeatureRight, register_feature
        from apps.collabs.models import Level

        # Members (guests included) see and upload files; renaming, moving and new versions
        # are for the collab's employees by default, deleting (into the trash, restorable)
        # too. Each collab changes these on its settings page.
        register_feature(
            Feature(
                key="files",
                label=_("Files"),
                rights=(
                    FeatureRight("view", "files.view_file", _("who may view files")),
                    FeatureRight("create", "files.upload_file", _("who may upload files")),
                    FeatureRight(
                        "edit", "files.change_file", _("who may edit files"), Level.EMPLOYEES
                    ),
                    FeatureRight(
                        "delete", "files.delete_file", _("who may delete files"), Level.EMPLOYEES
                    ),
                ),
                urls="apps.files.urls",
            )
        )
        # A file was uploaded, changed or deleted: an open Files tab loads itself again.
        live.register_event("files", _files_frame, right="files.view_file")
        from . import receivers  # noqa: F401

        # The built-in editor, for text files small enough (editor.py).
        from .actions import FileAction, register_file_action
        from .editor import is_editable

        register_file_action(
            FileAction(
                "edit_text",
                _("Edit"),
                "files:edit_text",
                right="files.change_file",
                applies=is_editable,
                order=20,
            )
        )


def _files_frame(event, reader, collab) -> dict:
    data = event["data"]
    return {"type": "files", "action": data.get("action"), "file": data.get("file")}
