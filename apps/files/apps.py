from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilesConfig(AppConfig):
    name = "apps.files"
    label = "files"
    verbose_name = _("Files")

    def ready(self) -> None:
        from apps.chat.attachments import AttachmentKind, register_kind
        from apps.collabs import live, registry
        from apps.collabs.features import Feature, FeatureRight, Item, register_feature
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
                # The sidebar's Files tab, live on every change of the collab's files.
                tabs=(
                    Item(
                        "files",
                        _("Files"),
                        "files:tab",
                        right="files.view_file",
                        refresh_on=("files",),
                    ),
                ),
                # The paperclip: a page with a file form; uploads.js opens the file chooser.
                composer_items=(
                    Item(
                        "upload",
                        _("Upload files"),
                        "files:chat_upload",
                        right="files.upload_file",
                        behaviour="upload-files",
                    ),
                ),
                urls="apps.files.urls",
                # The Files section (section.py), found from the collab's header.
                header_actions=(
                    Item("files", _("Files"), "files:section", right="files.view_file"),
                ),
            )
        )
        # A file sent in the chat shows in its message (apps/files/chat.py).
        register_kind(AttachmentKind("file", "files/_attachment.html", right="files.view_file"))
        # Pictures in the chat open in a viewer on the page.
        registry.register_page_section(
            "files_viewer", "files/_chat_viewer.html", _no_context, right="files.view_file"
        )
        # The uploader (drag and drop, paste, progress) on the chat page, for those who may
        # upload.
        registry.register_page_section(
            "files_uploader",
            "files/_chat_uploader.html",
            _uploader_context,
            right="files.upload_file",
        )
        # A file was uploaded, changed or deleted: an open Files tab loads itself again.
        live.register_event("files", _files_frame, right="files.view_file")
        from . import receivers  # noqa: F401
        from .actions import FileAction, register_file_action
        from .wopi.views import applies as wopi_applies

        # Online editing through the configured office server (apps/files/wopi), offered for
        # the extensions its discovery opens; nothing without an office server.
        register_file_action(
            FileAction(
                "edit_online",
                _("Edit online"),
                "files:edit_online",
                right="files.change_file",
                applies=wopi_applies,
                order=5,
            )
        )
        # The Files section's own pages for a file (section.py), in every file's menu.
        register_file_action(
            FileAction("rename", _("Rename"), "files:rename", right="files.change_file", order=10)
        )
        register_file_action(
            FileAction("move", _("Move"), "files:move", right="files.change_file", order=20)
        )
        register_file_action(
            FileAction(
                "delete", _("Delete"), "files:delete", right="files.delete_file", danger=True
            )
        )

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


def _uploader_context(request, collab) -> dict:
    from django.conf import settings

    return {"files_max_bytes": settings.FILES_MAX_BYTES}


def _no_context(request, collab) -> dict:
    return {}
