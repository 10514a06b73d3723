"""How files hook into the layers below: their sentences in the chat history and the counter
that keeps a collab holding files from being deleted.

The sentences follow the rules in apps/chat/system.py (past tense in English; in Russian the
actor with a colon, then a participle agreeing with the file, never with the person):

    file_uploaded    Анна: файл «report.pdf» загружен
                     Anna uploaded “report.pdf”
    file_version     Анна: новая версия файла «report.pdf» загружена
                     Anna uploaded a new version of “report.pdf”
    file_deleted     Анна: файл «report.pdf» удалён
                     Anna deleted “report.pdf”
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.chat import system
from apps.collabs import registry


def _names(d: dict) -> dict:
    return {"actor": system.person(d, "actor"), "name": d.get("file_name") or _("a file")}


system.register("file_uploaded", lambda d: _("%(actor)s uploaded “%(name)s”") % _names(d))
system.register(
    "file_version",
    lambda d: _("%(actor)s uploaded a new version of “%(name)s”") % _names(d),
)
system.register("file_deleted", lambda d: _("%(actor)s deleted “%(name)s”") % _names(d))


def _count(collab) -> int:
    from .models import File

    return File.objects.filter(collab=collab, deleted_at__isnull=True).count()


def _count_trashed(collab) -> int:
    from .models import File

    return File.objects.filter(collab=collab, deleted_at__isnull=False).count()


# Files in the trash count too: they are restorable, and deleting the collab would lose them.
registry.register_content_counter(
    "files",
    _count,
    lambda n: ngettext("%(count)d file", "%(count)d files", n) % {"count": n},
)
registry.register_content_counter(
    "files_trash",
    _count_trashed,
    lambda n: (
        ngettext("%(count)d file in the trash", "%(count)d files in the trash", n) % {"count": n}
    ),
)
