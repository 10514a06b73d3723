"""Every change in the chat: one function per user action, in a transaction, publishing the
live event on commit. The WebSocket consumer and the form views both call these."""

import unicodedata
import uuid
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import sql
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.collabs import live
from apps.collabs.models import Collab, Membership
from apps.collabs.permissions import can, history_start, membership_of, require
from apps.collabs.services import unhide_for
from apps.core.inputs import storable, without_unstorable

from . import ratelimit
from .access import visible_messages
from .attachments import Attached
from .markup import render_message
from .models import (
    ALLOWED_REACTIONS,
    MAX_BODY_LENGTH,
    Mention,
    Message,
    MessageAttachment,
    MessageLink,
    MessageRevision,
    Reaction,
    ReadState,
)
from .presenters import load_attachments, present, with_related
from .search import index_message, unindex_message


class RateLimited(Exception):
    def __init__(self, wait: int):
        self.wait = wait
        super().__init__(
            ngettext(
                "You are sending messages too fast. Try again in %(n)d second.",
                "You are sending messages too fast. Try again in %(n)d seconds.",
                wait,
            )
            % {"n": wait}
        )


class StaleEdit(ValidationError):
    """The message changed since the editor loaded it."""


def _members(collab: Collab, body: str) -> list[tuple[int, str]]:
    """The people who can be mentioned; no query for a message without an @."""
    if "@" not in body:
        return []
    return list(
        Membership.objects.current().filter(collab=collab).values_list("user_id", "user__full_name")
    )


def render_for(collab: Collab, text: str):
    """A feature's Markdown text (a task's description, a meeting's, a comment) rendered as
    the chat renders messages, with the collab's people as mentions; None for no text."""
    return render_message(text, _members(collab, text)) if text else None


def _clean_body(body) -> str:
    if body is not None and not isinstance(body, str):
        # A socket frame may carry any JSON: a list or a number is not a message.
        raise ValidationError(_("A message is text."))
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write something first."))
    if not storable(body):
        # A NUL (PostgreSQL cannot store one) or a lone surrogate (no database can): no
        # keyboard types either, so the message is refused, not silently changed.
        if "\x00" in body:
            raise ValidationError(_("The message contains a NUL character, which cannot be sent."))
        raise ValidationError(_("The message contains an invalid character."))
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationError(
            _("The message is too long: %(length)d characters; the limit is %(limit)d.")
            % {"length": len(body), "limit": MAX_BODY_LENGTH}
        )
    return body


def _publish_message(
    message: Message, kind: str, *, fresh: bool = False, mentioned: list[int] | tuple = ()
) -> None:
    """Publish the message as readers will see it. A message just written (fresh) has no
    reactions yet and its relations (and attachment_list) loaded, so it is presented as it
    is, without a query. `mentioned`: who it mentions, so that their lists of collabs count
    the mention live."""
    if fresh:
        message.reaction_list = []
    else:
        message = with_related(Message.objects.filter(pk=message.pk)).get()
        load_attachments([message])
    data = {"message": present(message).to_event()}
    if mentioned:
        data["mentioned"] = sorted(mentioned)
    live.publish(message.collab_id, kind, data, created=message.created)


# --- Links (the Links tab: apps/chat/links.py) ----------------------------------------------


def _publish_links(message: Message) -> None:
    """The collab's links changed: an open Links tab fetches its list again. Dated by the
    message, so a newcomer kept from the earlier history hears nothing of an old message."""
    live.publish(message.collab_id, "links", created=message.created)


def _store_links(message: Message, links: tuple[str, ...]) -> bool:
    """The links of a message just written (one insert for all; none when it has none).
    Returns whether there were any."""
    MessageLink.objects.bulk_create(_new_links(message, enumerate(links)))
    return bool(links)


def _new_links(message: Message, positioned) -> list[MessageLink]:
    """Rows for (position, url) pairs, last first: the tab lists newest (highest id) first, so
    a message's links read there in the order of its text."""
    rows = [
        MessageLink(
            message=message,
            collab_id=message.collab_id,
            url=url,
            position=position,
            created=message.created,
        )
        for position, url in positioned
    ]
    return rows[::-1]


def _replace_links(message: Message, links: tuple[str, ...]) -> bool:
    """Make the stored links of an edited message `links`, in that order. The rows of the URLs
    the edit kept stay (with their place in the tab), their positions follow the new text;
    removed URLs go, new ones come. Returns whether the set of URLs changed."""
    stored = {link.url: link for link in MessageLink.objects.filter(message=message)}
    wanted = set(links)
    gone = [link.pk for url, link in stored.items() if url not in wanted]
    if gone:
        MessageLink.objects.filter(pk__in=gone).delete()
    moved = []
    for position, url in enumerate(links):
        link = stored.get(url)
        if link is not None and link.position != position:
            link.position = position
            moved.append(link)
    if moved:
        MessageLink.objects.bulk_update(moved, ["position"])
    added = _new_links(message, ((p, url) for p, url in enumerate(links) if url not in stored))
    MessageLink.objects.bulk_create(added)
    return bool(gone or added)


def send_message(
    collab: Collab,
    user,
    body: str,
    *,
    reply_to_id: int | None = None,
    client_id: str = "",
    attachments: Sequence[Attached] = (),
) -> Message:
    """Post a message. A repeated client_id returns the message already sent (double submits,
    resends after a reconnect), and counts against no limit. `attachments`: what a feature
    attaches (attachments.py; a file sent in the chat); a message with some may have no
    text."""
    require(user, "chat.post_message", collab)
    # An opaque key of the page's; what no database stores is dropped from it.
    client_id = without_unstorable(str(client_id or ""))[:64]
    body = "" if attachments and not (body or "").strip() else _clean_body(body)
    # A resend is found by the unique (collab, author, client_id) at insert time, so the
    # usual send costs no lookup; the limit is refunded for it below.
    wait = ratelimit.hit(user.pk)
    if wait:
        existing = find_sent(collab, user, client_id)
        if existing is not None:
            return _resent(existing)
        raise RateLimited(wait)
    reply_to = None
    if reply_to_id:
        reply_to = (
            visible_messages(user, collab).filter(pk=reply_to_id).select_related("author").first()
        )
        if reply_to is None:
            raise ValidationError(_("The message you reply to is not in this chat."))
    rendered = render_message(body, _members(collab, body))
    now = timezone.now()
    message = Message(
        collab=collab,
        author=user,
        body=body,
        html=rendered.html,
        reply_to=reply_to,
        created=now,
        updated=now,
        client_id=client_id or uuid.uuid4().hex,
        attached=bool(attachments),
    )
    mentioned = [uid for uid in rendered.mentioned_ids if uid != user.pk]
    try:
        if _plain(message, attachments, mentioned, rendered.links):
            # The usual message: one statement for the row and the sender's read marker.
            if not _insert_reading(message):
                _advance_read(collab, user, message.pk)
            message.attachment_list = []
            _publish_message(message, "message", fresh=True)
            return message
        with transaction.atomic():
            message.save(force_insert=True)
            message.attachment_list = _store_attachments(message, attachments)
            # The search index (SQLite's; nothing on PostgreSQL): in the same transaction.
            index_message(message)
            Mention.objects.bulk_create(
                [Mention(message=message, user_id=uid, collab=collab) for uid in mentioned]
            )
            # A mention brings a hidden collab back into the person's list.
            if mentioned:
                unhide_for(collab, mentioned)
            has_links = _store_links(message, rendered.links)
            _advance_read(collab, user, message.pk)
            _publish_message(message, "message", fresh=True, mentioned=mentioned)
            if has_links:
                _publish_links(message)
    except IntegrityError:
        # A resend (double submit, a retry after a reconnect) or the same client_id racing
        # itself: the message already sent is the answer, and it counts against no limit.
        existing = find_sent(collab, user, client_id)
        if existing is None:
            raise
        ratelimit.refund(user.pk)
        return _resent(existing)
    return message


def _resent(message: Message) -> Message:
    """A send repeated with its client id: the message already stored is the answer, and its
    event goes out again. The first may never have gone out (its server was killed between the
    commit and the publish, so its sender, unacknowledged, sends it again); a page that has the
    message already shows it once (it keeps messages by id)."""
    _publish_message(message, "message")
    return message


def _plain(message: Message, attachments, mentioned, links) -> bool:
    """Whether the message can be written by one statement (_insert_reading): on PostgreSQL,
    outside any transaction (the statement is its own), with nothing written beside it (no
    attachment, mention or link; no search index row, which only SQLite keeps)."""
    connection = transaction.get_connection()
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and not (attachments or mentioned or links)
    )


def _insert_reading(message: Message) -> bool:
    """Insert the message and move its author's read marker to it, in one statement and one
    round trip (a data-modifying WITH), instead of BEGIN, INSERT, UPDATE and COMMIT: the
    socket's sends are stored one after another, and each round trip is time the next one
    waits (bench/chat). Sets the message's id; returns whether the marker moved (it does not
    when the member has none yet). The INSERT is Django's own, as Model.save writes it."""
    connection = transaction.get_connection()
    meta = Message._meta
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.pk]
    query = sql.InsertQuery(Message)
    query.insert_values(fields, [message])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    ((insert, insert_params),) = compiler.as_sql()
    q = connection.ops.quote_name
    state = ReadState._meta
    read, last, updated = (
        q(state.db_table),
        q(state.get_field("last_read_id").column),
        q(state.get_field("updated").column),
    )
    # lint: allow fstring-sql -- table and column names from model metadata, values bound
    statement = (
        f"WITH m AS ({insert}), r AS ("  # noqa: S608 - the same
        f"UPDATE {read} SET {last} = m.{q(meta.pk.column)}, {updated} = %s FROM m "
        f"WHERE {read}.{q(state.get_field('collab').column)} = %s "
        f"AND {read}.{q(state.get_field('user').column)} = %s "
        f"AND {read}.{last} < m.{q(meta.pk.column)} RETURNING 1) "
        f"SELECT m.{q(meta.pk.column)}, EXISTS (SELECT 1 FROM r) FROM m"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            (*insert_params, message.created, message.collab_id, message.author_id),
        )
        message.pk, moved = cursor.fetchone()
    message._state.adding = False
    message._state.db = connection.alias
    return moved


def find_sent(collab: Collab, user, client_id: str) -> Message | None:
    """The person's message sent with this client id, if any (a resend's answer)."""
    if not client_id:
        return None
    return Message.objects.filter(collab=collab, author=user, client_id=client_id).first()


@transaction.atomic
def post_system_message(
    collab: Collab,
    system_type: str,
    actor=None,
    *,
    attachments: Sequence[Attached] = (),
    **data,
) -> Message:
    """The one function every app uses to write an event into the chat. `data` must be
    JSON-safe; names are stored as they were, so history reads right after renames. The
    `actor` (who did it) is kept on the message too: what a person did is never unread for
    them (access.unread_messages). `attachments`: a feature's card under the sentence (a
    task's, kept current by update_attachments)."""
    if actor is not None:
        data.setdefault("actor_id", actor.pk)
        data.setdefault("actor_name", actor.full_name or actor.email)
        data.setdefault("actor_guest", actor.is_guest)
    now = timezone.now()
    message = Message.objects.create(
        collab=collab,
        kind=Message.Kind.SYSTEM,
        actor=actor,
        system_type=system_type,
        system_data=data,
        created=now,
        updated=now,
        attached=bool(attachments),
    )
    message.attachment_list = _store_attachments(message, attachments)
    _publish_message(message, "message", fresh=True)
    return message


def _store_attachments(
    message: Message, attachments: Sequence[Attached], start: int = 0
) -> list[MessageAttachment]:
    return MessageAttachment.objects.bulk_create(
        MessageAttachment(
            message=message,
            kind=item.kind,
            ref_id=item.ref_id,
            position=position,
            label=item.label[:255],
            data=item.data,
        )
        for position, item in enumerate(attachments, start=start)
    )


def attach(message: Message, item: Attached) -> None:
    """Add a feature's card to a message already in the chat (a task made from it shows
    under it), once per thing: attaching the same thing again changes nothing. The message
    reaches open pages as changed. Call inside the feature's transaction."""
    if MessageAttachment.objects.filter(
        message=message, kind=item.kind, ref_id=item.ref_id
    ).exists():
        return
    last = message.attachments.order_by("-position").values_list("position", flat=True).first()
    _store_attachments(message, [item], start=0 if last is None else last + 1)
    Message.objects.filter(pk=message.pk).update(attached=True, updated=timezone.now())
    _publish_message(message, "changed")


def _own_message(user, collab: Collab, message_id: int) -> Message:
    message = visible_messages(user, collab).filter(pk=message_id).first()
    if message is None:
        raise ValidationError(_("This message is not in the chat."))
    return message


@transaction.atomic
def edit_message(collab: Collab, user, message_id: int, body: str, *, base_version: str = ""):
    """Edit your own message; the previous text is kept as a revision. With base_version
    (the `updated` the editor saw), a stale edit is refused instead of overwriting."""
    message = _own_message(user, collab, message_id)
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.author_id != user.pk or message.is_system:
        raise PermissionDenied(_("You can edit only your own messages."))
    if message.is_deleted:
        raise ValidationError(_("A deleted message cannot be edited."))
    if base_version and _parse_version(base_version) != message.updated:
        raise StaleEdit(_("The message changed while you were editing it. Reload and edit again."))
    # A message with attachments may lose its text and keep them.
    body = "" if message.attached and not (body or "").strip() else _clean_body(body)
    if body == message.body:
        return message
    MessageRevision.objects.create(message=message, body=message.body)
    rendered = render_message(body, _members(collab, body))
    now = timezone.now()
    message.body = body
    message.html = rendered.html
    message.edited_at = now
    message.updated = now
    message.save(update_fields=["body", "html", "edited_at", "updated"])
    index_message(message)  # found by its new words, not its old ones
    _update_mentions(collab, message, rendered.mentioned_ids - {user.pk})
    links_changed = _replace_links(message, rendered.links)
    _publish_message(message, "changed")
    if links_changed:
        _publish_links(message)
    return message


def _update_mentions(collab: Collab, message: Message, mentioned: frozenset[int]) -> None:
    """An edit that mentions someone new notifies them as a message would; a mention the edit
    took out stops counting (unless it already went out in a digest: that stays on record)."""
    Mention.objects.filter(message=message, notified_at__isnull=True).exclude(
        user_id__in=mentioned
    ).delete()
    known = set(Mention.objects.filter(message=message).values_list("user_id", flat=True))
    new = [uid for uid in mentioned if uid not in known]
    if new:
        Mention.objects.bulk_create(
            [Mention(message=message, user_id=uid, collab=collab) for uid in new],
            ignore_conflicts=True,
        )
        unhide_for(collab, new)


def _parse_version(value: str):
    """A version as the page gave it (ISO time, in any zone); None when unreadable."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def can_delete(user, collab: Collab, message: Message) -> bool:
    if message.is_system:
        return False
    return message.author_id == user.pk or can(user, "collabs.remove_member", collab)


@transaction.atomic
def delete_message(collab: Collab, user, message_id: int) -> Message:
    """Erase the body; a "message deleted" placeholder stays (and so do the revisions of
    who-said-what, for the audit: they are erased too, since the author asked)."""
    message = _own_message(user, collab, message_id)
    message = Message.objects.select_for_update().get(pk=message.pk)
    if not can_delete(user, collab, message):
        raise PermissionDenied(_("You can delete only your own messages."))
    if message.is_deleted:
        return message
    now = timezone.now()
    message.body = ""
    message.html = ""
    message.deleted_at = now
    message.updated = now
    was_pinned = message.pinned_at is not None
    message.pinned_at = None
    message.save(update_fields=["body", "html", "deleted_at", "updated", "pinned_at"])
    unindex_message(message)
    message.revisions.all().delete()
    Mention.objects.filter(message=message).delete()
    links_deleted, _rows = MessageLink.objects.filter(message=message).delete()
    _publish_message(message, "changed")
    if was_pinned:
        _publish_pins(collab, message)
    if links_deleted:
        _publish_links(message)
    return message


# A reaction is one emoji, as the picker gives it: at most this many code points (the longest
# ZWJ families and subdivision flags fit; Reaction.emoji is as long).
MAX_REACTION_LENGTH = 16
# What may follow or join the pictographs of one emoji: variation selectors, the keycap mark,
# the zero-width joiner, skin tones (category Sk) and the tag letters of subdivision flags.
_EMOJI_JOINERS = {"\ufe0e", "\ufe0f", "\u20e3", "\u200d"}
_KEYCAP_BASES = set("0123456789#*")
_KEYCAP_MARKS = ("\ufe0f", "\u20e3")


def is_reaction_emoji(value) -> bool:
    """One of the quick reactions, or a single emoji from the picker: one pictograph (category
    So; a flag is a pair of regional indicators, a family is pictographs joined by ZWJ) with its
    modifiers, nothing a person could write words, markup or invisible text with (no letters,
    digits outside keycaps, spaces, punctuation or controls), and not two emojis at once."""
    if not isinstance(value, str) or not value:
        return False
    if value in ALLOWED_REACTIONS:
        return True
    if len(value) > MAX_REACTION_LENGTH:
        return False
    emojis = 0
    flag_half = False  # the last pictograph was the first regional indicator of a flag
    previous = ""
    for i, char in enumerate(value):
        category = unicodedata.category(char)
        is_indicator = "\U0001f1e6" <= char <= "\U0001f1ff"
        if category == "So" or (char in _KEYCAP_BASES and value[i + 1 : i + 2] in _KEYCAP_MARKS):
            if previous == "\u200d":
                pass  # joined to the one before (a family, a profession)
            elif is_indicator and flag_half:
                flag_half = False  # the second half of a flag
                previous = char
                continue
            else:
                emojis += 1
            flag_half = is_indicator
        elif char in _EMOJI_JOINERS or category == "Sk" or "\U000e0020" <= char <= "\U000e007f":
            if i == 0:
                return False
            flag_half = False
        else:
            return False
        previous = char
    return emojis == 1


@transaction.atomic
def toggle_reaction(collab: Collab, user, message_id: int, emoji: str) -> bool:
    """Add the reaction, or take it back if it is there. Returns whether it is on now."""
    require(user, "collabs.view_collab", collab)
    if not is_reaction_emoji(emoji):
        raise ValidationError(_("Unknown reaction."))
    message = _own_message(user, collab, message_id)
    if message.is_deleted:
        raise ValidationError(_("A deleted message cannot get reactions."))
    deleted, _rows = Reaction.objects.filter(message=message, user=user, emoji=emoji).delete()
    if not deleted:
        Reaction.objects.get_or_create(message=message, user=user, emoji=emoji)
    Message.objects.filter(pk=message.pk).update(updated=timezone.now())
    _publish_message(message, "changed")
    return not deleted


@transaction.atomic
def set_pinned(collab: Collab, user, message_id: int, pinned: bool) -> Message:
    require(user, "chat.post_message", collab)
    message = _own_message(user, collab, message_id)
    if message.is_deleted and pinned:
        raise ValidationError(_("A deleted message cannot be pinned."))
    now = timezone.now()
    message.pinned_at = now if pinned else None
    message.pinned_by = user if pinned else None
    message.updated = now
    message.save(update_fields=["pinned_at", "pinned_by", "updated"])
    _publish_message(message, "changed")
    _publish_pins(collab, message)
    return message


def _publish_pins(collab: Collab, message: Message) -> None:
    """`message` was pinned or unpinned: open pages show the new count. The event carries when
    each pinned message was written, so every reader counts those within their view of the
    history; and it is dated by the message, so a newcomer kept from it hears nothing."""
    created = Message.objects.filter(collab=collab, pinned_at__isnull=False).values_list(
        "created", flat=True
    )
    live.publish(
        collab.pk, "pins", {"created": [c.isoformat() for c in created]}, created=message.created
    )


def _advance_read(collab: Collab, user, message_id: int) -> bool:
    """Move the read marker forward (never back). Returns whether it moved.
    One UPDATE when the member has a marker (the usual case)."""
    moved = ReadState.objects.filter(collab=collab, user=user, last_read_id__lt=message_id).update(
        last_read_id=message_id, updated=timezone.now()
    )
    if moved:
        return True
    _state, created = ReadState.objects.get_or_create(
        collab=collab, user=user, defaults={"last_read_id": message_id}
    )
    return created


def mark_read(collab: Collab, user, message_id: int) -> None:
    """The member has seen the chat up to message_id: counters drop, "seen by" updates.
    The marker goes to the newest message of the reader's view at or before message_id (an id
    from the page is never trusted to exist), never back; their mentions up to it count as
    notified."""
    if membership_of(user, collab) is None:
        raise PermissionDenied
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Every open page marks every message it shows: one round trip, not six (BEGIN, the
        # newest message, the marker, the mentions, COMMIT). Without a marker yet, the ORM's.
        moved, exists = _mark_read_at_once(collab, user, message_id)
        if moved is not None:
            _publish_read(collab, user, moved)
        if exists:
            return
    with transaction.atomic():
        newest = visible_messages(user, collab).filter(pk__lte=message_id).order_by("-pk").first()
        if newest is not None and _advance_read(collab, user, newest.pk):
            Mention.objects.filter(
                user=user, collab=collab, message_id__lte=newest.pk, notified_at__isnull=True
            ).update(notified_at=timezone.now())
            _publish_read(collab, user, newest.pk)


def _publish_read(collab: Collab, user, last_read_id: int) -> None:
    reader = {"user_id": user.pk, "name": user.full_name, "last_read_id": last_read_id}
    live.publish(collab.pk, "read", {"readers": [reader]})


def _mark_read_at_once(collab: Collab, user, message_id: int) -> tuple[int | None, bool]:
    """mark_read's work in one statement (PostgreSQL, outside a transaction: the statement is
    its own). Returns where the marker moved to (None: it did not) and whether the member has
    a marker at all."""
    start = history_start(user, collab)
    q = transaction.get_connection().ops.quote_name
    message, state, mention = Message._meta, ReadState._meta, Mention._meta

    def col(meta, name: str) -> str:
        return q(meta.get_field(name).column)

    read, last = q(state.db_table), col(state, "last_read_id")
    mine = f"{read}.{col(state, 'collab')} = %s AND {read}.{col(state, 'user')} = %s"
    since = f" AND {col(message, 'created')} >= %s" if start is not None else ""
    # lint: allow fstring-sql -- table and column names from model metadata, values bound
    statement = (
        f"WITH n AS (SELECT max({col(message, 'id')}) AS id FROM {q(message.db_table)} "  # noqa: S608 - the same
        f"WHERE {col(message, 'collab')} = %s AND {col(message, 'id')} <= %s{since}), "
        f"r AS (UPDATE {read} SET {last} = n.id, {col(state, 'updated')} = %s FROM n "
        f"WHERE {mine} AND {read}.{last} < n.id RETURNING n.id), "
        f"m AS (UPDATE {q(mention.db_table)} SET {col(mention, 'notified_at')} = %s FROM r "
        f"WHERE {col(mention, 'user')} = %s AND {col(mention, 'collab')} = %s "
        f"AND {col(mention, 'message')} <= r.id AND {col(mention, 'notified_at')} IS NULL) "
        f"SELECT (SELECT id FROM r), EXISTS (SELECT 1 FROM {read} WHERE {mine})"
    )
    now = timezone.now()
    params = [collab.pk, message_id, *([start] if start is not None else [])]
    params += [now, collab.pk, user.pk, now, user.pk, collab.pk, collab.pk, user.pk]
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(statement, params)
        moved, exists = cursor.fetchone()
    return moved, exists


def typing(collab: Collab, user) -> None:
    """Tell the others that the user is typing (nothing is stored)."""
    require(user, "chat.post_message", collab)
    live.publish(collab.pk, "typing", {"user_id": user.pk, "name": user.full_name}, now=True)


def page_size() -> int:
    return settings.CHAT_PAGE_SIZE


def update_attachments(kind: str, ref_id: int, *, label: str | None = None, data: dict) -> int:
    """A feature's thing changed (a file renamed, its thumbnail made, put in the trash): the
    messages showing it get the new snapshot (`data` merged into the stored one) and reach
    open pages as changed. Returns how many messages changed."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            MessageAttachment.objects.select_for_update()
            .filter(kind=kind, ref_id=ref_id)
            .order_by("pk")
        )
        for row in rows:
            row.data = {**row.data, **data}
            if label is not None:
                row.label = label[:255]
        MessageAttachment.objects.bulk_update(rows, ["data", "label"])
        ids = {row.message_id for row in rows}
        Message.objects.filter(pk__in=ids, deleted_at__isnull=True).update(updated=now)
        for message in Message.objects.filter(pk__in=ids, deleted_at__isnull=True).order_by("pk"):
            _publish_message(message, "changed")
    return len(ids)
