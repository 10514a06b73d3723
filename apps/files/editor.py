"""The built-in editor for text files (.txt, .md, .csv, .json, source code...): open a file's
current version as text, render Markdown for the preview, save the text as a new version.

Which files: those whose current version was sniffed as text (sniff.py: UTF-8 without NUL in
its first 8 KB) under a name with a text extension (or none: README, Makefile), of at most
MAX_BYTES (a textarea holding more is slow to type in, and a phone's browser struggles); the
whole content must be valid UTF-8, which only reading it shows (`read_text`).

Stale edits: the page carries the number of the version it was opened at; `save_text` passes
it to services.new_version, which compares it with the current version under the file's row
lock, so of two saves from the same version one wins and the other gets StaleEdit (with the
newer version, so the page can show it beside the text the person typed, which it keeps).
A double submit of the same text by the same person is the second case with the same
content: it returns the version the first made instead of refusing, and makes no other.
"""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from apps.chat.markup import render_message
from apps.collabs.models import Collab
from apps.collabs.permissions import require

from . import services
from .models import File, FileVersion

# The largest file edited in the page.
MAX_BYTES = 1024 * 1024

# What the sniffer calls text (HTML is text to edit: it is never shown as a page, only
# downloaded as an attachment).
TEXT_TYPES = frozenset({"text/plain", "text/html"})

TEXT_EXTENSIONS = frozenset(
    {
        # Documents and data
        "txt", "text", "md", "markdown", "rst", "adoc", "org", "tex", "csv", "tsv", "json",
        "jsonl", "ndjson", "log", "yaml", "yml", "toml", "ini", "cfg", "conf", "env",
        "properties", "xml", "srt", "vtt", "diff", "patch", "sql", "gitignore", "editorconfig",
        # Source code
        "py", "pyi", "js", "mjs", "cjs", "ts", "tsx", "jsx", "css", "scss", "sass", "less",
        "html", "htm", "vue", "svelte", "sh", "bash", "zsh", "fish", "ps1", "bat", "rb", "go",
        "rs", "java", "kt", "kts", "scala", "groovy", "gradle", "c", "h", "cc", "cpp", "hpp",
        "cs", "fs", "php", "pl", "pm", "r", "swift", "m", "lua", "dart", "ex", "exs", "erl",
        "hs", "clj", "elm", "sol", "tf", "proto", "graphql", "dockerfile", "mk",
    }
)  # fmt: skip
MARKDOWN_EXTENSIONS = frozenset({"md", "markdown"})

BOM = b"\xef\xbb\xbf"

# Why a file cannot be edited in the page.
NOT_TEXT = "not_text"
TOO_LARGE = "too_large"
NOT_UTF8 = "not_utf8"
UNREADABLE = "unreadable"


def extension(name: str) -> str:
    """The extension of a file name, lower case, without the dot; "" for none. (Stored names
    never start with a dot, services.clean_name: ".gitignore" is stored as "gitignore".)"""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def is_text_name(name: str) -> bool:
    ext = extension(name)
    return ext == "" or ext in TEXT_EXTENSIONS


def is_markdown(file: File) -> bool:
    return extension(file.name) in MARKDOWN_EXTENSIONS


def problem_of(file: File) -> str:
    """Why the file's current version cannot be edited in the page ("" when it can), from
    what is known without reading it. No query (`file.current_version` loaded)."""
    version = file.current_version
    if version is None or version.content_type not in TEXT_TYPES or not is_text_name(file.name):
        return NOT_TEXT
    if version.size > MAX_BYTES:
        return TOO_LARGE
    return ""


def is_editable(file: File) -> bool:
    """The file action's test: a text file small enough. No query."""
    return not problem_of(file)


def problem_message(problem: str) -> str:
    return {
        NOT_TEXT: _("This file cannot be edited here: it is not a text file."),
        TOO_LARGE: _(
            "This file is too large to edit here (the editor takes files of up to %(limit)s). "
            "Download it to edit it on your computer."
        )
        % {"limit": filesizeformat(MAX_BYTES)},
        NOT_UTF8: _(
            "This file cannot be edited here: its text is not in UTF-8 (or it is not text). "
            "Download it to edit it on your computer."
        ),
        UNREADABLE: _("This file's content could not be read. Try again later."),
    }.get(problem, "")


@dataclass
class Document:
    """A file's current version as the editor shows it."""

    file: File
    version: FileVersion | None
    text: str = ""
    # The version's line ends ("\r\n" or "\n") and whether it starts with a byte order mark:
    # a textarea sends "\r\n" whatever it was given and drops the mark, so a save puts back
    # what the file had.
    newline: str = "\n"
    bom: bool = False
    problem: str = ""

    @property
    def markdown(self) -> bool:
        return is_markdown(self.file)

    @property
    def message(self) -> str:
        return problem_message(self.problem)


def get_file(user, collab: Collab, file_id: int) -> File:
    """The collab's file (not in the trash) with its current version; needs the view right
    (403), Http404 for a file not in the collab. One query."""
    require(user, services.VIEW, collab)
    file = (
        File.objects.select_related("current_version", "current_version__uploaded_by")
        .filter(collab=collab, pk=file_id, deleted_at__isnull=True)
        .first()
    )
    if file is None:
        raise Http404
    return file


def read_text(file: File, version: FileVersion | None = None) -> Document:
    """The text of `version` (the current one by default), or a Document saying why not."""
    version = version or file.current_version
    problem = problem_of(file) if version is file.current_version else ""
    if not problem and version is not None:
        if version.content_type not in TEXT_TYPES:
            problem = NOT_TEXT
        elif version.size > MAX_BYTES:
            problem = TOO_LARGE
    if problem:
        return Document(file, version, problem=problem)
    try:
        with version.blob.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError:
        return Document(file, version, problem=UNREADABLE)
    if len(data) > MAX_BYTES:
        return Document(file, version, problem=TOO_LARGE)
    bom = data.startswith(BOM)
    try:
        text = data[len(BOM) if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError:
        return Document(file, version, problem=NOT_UTF8)
    newline = "\r\n" if "\r\n" in text else "\n"
    return Document(file, version, text=text, newline=newline, bom=bom)


def render_preview(text: str) -> str:
    """Markdown as the chat renders it: sanitized HTML, safe to mark_safe."""
    return render_message(text).html


class StaleEdit(ValidationError):
    """The version the edit started from is no longer the current one: `current` is the one
    that is (None when it cannot be read)."""

    def __init__(self, current: FileVersion | None) -> None:
        super().__init__(_("Someone saved a new version while you were editing."), code="stale")
        self.current = current


def _encode(text: str, newline: str, bom: bool) -> bytes:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if newline == "\r\n":
        text = text.replace("\n", "\r\n")
    if "\x00" in text:
        raise ValidationError(
            _("The text contains a NUL character, which a text file cannot hold."), code="nul"
        )
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(_("The text contains characters that are not valid.")) from exc
    if not data.strip():
        raise ValidationError(
            _("An empty file cannot be saved. Write something, or delete the file instead."),
            code="empty",
        )
    data = (BOM if bom else b"") + data
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("The text is too long for the editor: at most %(limit)s.")
            % {"limit": filesizeformat(MAX_BYTES)},
            code="too_large",
        )
    return data


def _current(file_id: int) -> FileVersion | None:
    file = (
        File.objects.select_related("current_version", "current_version__uploaded_by")
        .filter(pk=file_id)
        .first()
    )
    return file.current_version if file is not None else None


def save_text(
    collab: Collab,
    user,
    file_id: int,
    text: str,
    base_number: int | None,
    *,
    newline: str = "\n",
    bom: bool = False,
) -> FileVersion:
    """Save `text` as a new version of the file, made from version `base_number`: the file's
    name stays, the author is `user`. StaleEdit when another version is current by now
    (unless it is this very save, sent twice); ValidationError for text the editor does not
    take (empty, too long, a NUL) or a file it does not edit."""
    require(user, services.EDIT, collab)
    file = get_file(user, collab, file_id)
    if base_number is None:
        raise ValidationError(
            _("The page did not say which version you edited. Copy your text and reload it."),
            code="no_base",
        )
    data = _encode(text, "\r\n" if newline == "\r\n" else "\n", bool(bom))
    current = file.current_version
    if current is None or current.number != base_number:
        # Checked again under the lock in new_version; this only spares storing the blob.
        return _stale(file.pk, user, data)
    if problem_of(file) == NOT_TEXT:
        raise ValidationError(problem_message(NOT_TEXT), code=NOT_TEXT)
    upload = SimpleUploadedFile(file.name, data, content_type="text/plain")
    try:
        return services.new_version(collab, user, file.pk, upload, base_number=base_number)
    except services.StaleVersion:
        return _stale(file.pk, user, data)


def _stale(file_id: int, user, data: bytes) -> FileVersion:
    """A save whose base is no longer current: the same text saved by the same person a moment
    ago (a double submit) is that save; anything else is refused."""
    current = _current(file_id)
    if (
        current is not None
        and current.uploaded_by_id == user.pk
        and current.sha256 == hashlib.sha256(data).hexdigest()
    ):
        return current
    raise StaleEdit(current)


# --- A new text file ----------------------------------------------------------------------------

DEFAULT_EXTENSION = "md"


def new_file_name(raw: str) -> str:
    """The name of a new text file: cleaned (services.clean_name), ".md" added when it has no
    extension; ValidationError for an empty name or one that is not a text file's."""
    name = services.clean_name(raw)
    if not name:
        raise ValidationError(_("Give it a name."), code="name")
    if not extension(name):
        name = services.clean_name(f"{name}.{DEFAULT_EXTENSION}")
    if not is_text_name(name):
        raise ValidationError(
            _("A text file's name ends in .md, .txt, .csv or another text extension."),
            code="name",
        )
    return name


def create_text(collab: Collab, user, name: str, text: str) -> File:
    """A new text file in the collab, written in the editor (the upload right). Its first
    version holds `text`: the files app keeps no empty files (services refuse 0-byte uploads),
    so the text must say something. Announced in the chat as an upload is."""
    require(user, services.UPLOAD, collab)
    clean = new_file_name(name)
    data = _encode(text, "\n", False)
    return services.upload(
        collab, user, SimpleUploadedFile(clean, data, content_type="text/plain"), name=clean
    )
