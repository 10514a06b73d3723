"""Which icon a file gets: by its sniffed type first, by its name's extension for the rest
(office documents are zip or OLE containers to the sniffer). One answer for every listing:
the Files section, the Files tab, the file's page and a file in a chat message."""

# fmt: off
_EXTENSION_KINDS = {
    "doc": "document", "docx": "document", "odt": "document", "rtf": "document",
    "xls": "sheet", "xlsx": "sheet", "ods": "sheet", "csv": "sheet",
    "ppt": "slides", "pptx": "slides", "odp": "slides",
    "zip": "archive", "rar": "archive", "7z": "archive", "gz": "archive", "tar": "archive",
    "txt": "text", "md": "text", "json": "text", "xml": "text", "log": "text",
}
# fmt: on


def icon_kind(name: str, content_type: str) -> str:
    """image, pdf, audio, video, document, sheet, slides, archive, text or file."""
    content_type = content_type or ""
    for prefix in ("image", "audio", "video"):
        if content_type.startswith(prefix + "/"):
            return prefix
    if content_type == "application/pdf":
        return "pdf"
    extension = name.rpartition(".")[2].lower() if "." in (name or "") else ""
    if extension in _EXTENSION_KINDS:
        return _EXTENSION_KINDS[extension]
    if content_type.startswith("text/"):
        return "text"
    return "file"
