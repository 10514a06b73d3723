"""What features attach to messages, and how it looks (models.MessageAttachment).

A feature registers its kind in its AppConfig.ready():

    register_kind(AttachmentKind("file", "files/_attachment.html", right="files.view_file"))

and posts a message with `services.send_message(..., attachments=[Attached("file", file.pk,
"report.pdf", {...})])`. The message partial renders each attachment with the kind's template
(context: `a`, the AttachmentView, and `m`, the message) for readers holding the kind's right;
others see that something is there that they may not open. The chat never names a feature.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AttachmentKind:
    key: str
    template: str
    # The collab right a reader needs to see the attachment ("files.view_file"); None: all.
    right: str | None = None


@dataclass(frozen=True)
class Attached:
    """An attachment as a feature hands it to send_message."""

    kind: str
    ref_id: int
    label: str
    data: dict = field(default_factory=dict)


_kinds: dict[str, AttachmentKind] = {}


def register_kind(kind: AttachmentKind) -> None:
    _kinds[kind.key] = kind


def unregister_kind(key: str) -> None:
    _kinds.pop(key, None)


def kind_of(key: str) -> AttachmentKind | None:
    return _kinds.get(key)


def visible_to(kind_key: str, rights) -> bool:
    """Whether a reader holding `rights` sees an attachment of this kind (an unknown kind, of
    a feature no longer installed, is shown to nobody)."""
    kind = _kinds.get(kind_key)
    return kind is not None and (kind.right is None or kind.right in rights)
