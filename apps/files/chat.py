"""Files in the chat: a file sent in the chat is one File (in the collab's "Chat uploads"
folder) and one message showing it (a chat attachment of kind "file"); the Files tab and
section list that same File. The message shows a snapshot of the file (name, size, type, its
preview's state), which `refresh` brings up to date when the file changes.

Each file is its own message, sent when its upload ends (as in Bitrix24): nothing is stored
for an upload that was cancelled or failed, and a message is never left waiting for a file."""

from django.db import transaction

from apps.chat import services as chat_services
from apps.chat.attachments import Attached
from apps.collabs.models import Collab
from apps.collabs.permissions import require

from . import services
from .models import File, FileVersion

KIND = "file"


def snapshot(file: File, version: FileVersion) -> dict:
    """What a message shows of a file (its template reads only this)."""
    return {
        "name": file.name,
        "size": version.size,
        "type": version.content_type,
        "version": version.number,
        "preview": version.preview_state,
        "width": version.width,
        "height": version.height,
        "trashed": file.in_trash,
    }


class _Resent(Exception):
    """The client id was sent already: the upload is rolled back, its blob deleted."""

    def __init__(self, message) -> None:
        self.message = message


def send(collab: Collab, user, uploaded_file, *, client_id: str = "", body: str = ""):
    """Store an uploaded file in the collab's "Chat uploads" folder and post it in the chat,
    in one transaction: either both exist or neither (and no blob is left). A repeated
    `client_id` (a retried upload) returns the message already sent and stores nothing.
    Returns the message."""
    require(user, "chat.post_message", collab)
    require(user, services.UPLOAD, collab)
    if client_id:
        sent = chat_services.find_sent(collab, user, client_id)
        if sent is not None:
            return sent
    folder = services.chat_uploads_folder(collab)

    def post(file: File):
        version = file.current_version
        message = chat_services.send_message(
            collab,
            user,
            body,
            client_id=client_id,
            attachments=[Attached(KIND, file.pk, file.name, snapshot(file, version))],
        )
        if not any(a.ref_id == file.pk for a in getattr(message, "attachment_list", ())):
            raise _Resent(message)  # the same client id raced this upload and won
        return message

    try:
        return services.upload(collab, user, uploaded_file, folder, announce=False, then=post)
    except _Resent as resent:
        return resent.message


def refresh(file_id: int) -> None:
    """The file changed (renamed, a new version, its preview made, trashed or restored): the
    messages showing it show it as it is now."""
    transaction.on_commit(lambda: _refresh_now(file_id), robust=True)


def _refresh_now(file_id: int) -> None:
    file = File.objects.select_related("current_version").filter(pk=file_id).first()
    if file is not None and file.current_version is not None:
        chat_services.update_attachments(
            KIND, file.pk, label=file.name, data=snapshot(file, file.current_version)
        )
