"""Search in a collab's messages, with Russian and English stemming on both databases, and
the found words highlighted in a snippet of each hit.

PostgreSQL: full-text search over Russian and English stemming at once, served by the GIN
expression index of migration 0002 (the expression below must stay identical to it); the
snippet is `ts_headline` over the body.

SQLite (the embedded default): the FTS5 table of migration 0004, `chat_message_fts`, holds
for each live person's message (rowid = the message's id) its words stemmed here in Python
with the Snowball stemmers (`stems`): a Cyrillic word by the Russian one, a Latin word by the
English one. The services keep it in step (`index_message` on send and edit,
`unindex_message` on delete; a trigger drops the row of a message deleted from the table, as
when its collab goes). A query is stemmed the same way and every stem must be there. The
snippet is the message's plain text with the words whose stems were searched marked.

Order: newest first on both databases, as a chat's search reads (Telegram's, Zulip's). On
PostgreSQL it was best first (ts_rank), which computed both stemmings of every matching
message to rank them: 20 ms for a word in 2,500 messages of 20,000 (bench/pageprof), growing
with the matches. The order is by `id + 0`, not `id`: ordered by the primary key, the planner
may walk the collab's messages from the newest, stemming each until 50 match, which is fast
for a common word and a full scan for a word found only in old messages; by an expression, it
keeps to the GIN index's bitmap of the matches (about a microsecond per match) and sorts
those.

Access: `search` only narrows the queryset it is given (visible_messages: the collab, a
newcomer's start of the history), on SQLite with `id IN (SELECT rowid ... MATCH ...)`, so the
hits are those messages and no others, in one query.

Every snippet is built from escaped text: the message's text is escaped first, then the
matches are wrapped in <mark>; no other markup can come through (tests/chat/test_search.py
runs the XSS corpus over it).
"""

import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import snowballstemmer
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchVector,
)
from django.db import connection
from django.db.models import Case, F, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length, Replace
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from .markup import plain_text
from .presenters import PersonView

SEARCH_VECTOR = SearchVector("body", config="russian") + SearchVector("body", config="english")

# The SQLite full-text table (migration 0005_message_search_fts).
FTS_TABLE = "chat_message_fts"
MAX_QUERY_WORDS = 10
# A snippet: about this many characters of the message's text around the first match.
SNIPPET_LENGTH = 300
SNIPPET_LEAD = 80

# What ts_headline puts around a match: two private-use characters, taken out of the body
# first, so a message cannot forge a mark; the text between is escaped in Python.
START, STOP = "\ue000", "\ue001"

# A word: letters and digits, in any script (what FTS5's unicode61 tokenizer keeps too).
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u052f]")
_local = threading.local()


def _stemmer(language: str):
    """A stemmer of this thread's own (a Snowball stemmer keeps state while it works)."""
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if language not in stemmers:
        stemmers[language] = snowballstemmer.stemmer(language)
    return stemmers[language]


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    """One word's stem: lower case; Cyrillic by the Russian stemmer (which also takes the
    dots off ё); Latin, accents dropped, by the English one; any other script as it is."""
    word = word.lower()
    if _CYRILLIC.search(word):
        return _stemmer("russian").stemWord(word)
    folded = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    if folded.isascii():
        return _stemmer("english").stemWord(folded)
    return word


def stems(text: str) -> list[str]:
    """The stems of the words of `text`, in order."""
    return [stem(word) for word in _WORD.findall(text)]


def query_stems(query: str) -> list[str]:
    """The distinct stems of a query's first words, in order."""
    return list(dict.fromkeys(stems(query)))[:MAX_QUERY_WORDS]


# --- The SQLite index, kept in step by the services ------------------------------------------


def _indexed() -> bool:
    return connection.vendor == "sqlite"


def index_message(message) -> None:
    """Put a person's message (just sent or edited) into the SQLite index, replacing what it
    had. One statement; nothing on PostgreSQL (its index is on the column itself)."""
    index_rows([(message.pk, message.body)])


def index_rows(rows) -> None:
    """Index (id, body) pairs of live person's messages: for the services, the migration's
    backfill and tests that bulk-create messages."""
    if not _indexed():
        return
    values = [(pk, " ".join(stems(body))) for pk, body in rows]
    if values:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT OR REPLACE INTO chat_message_fts (rowid, stems) VALUES (%s, %s)", values
            )


def unindex_message(message) -> None:
    """A deleted message leaves the SQLite index."""
    if _indexed():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM chat_message_fts WHERE rowid = %s", [message.pk])


# --- Searching -------------------------------------------------------------------------------


def _match_expression(words: list[str]) -> str:
    """An FTS5 query: every stem, each a quoted string (so no character of it is syntax)."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def search(messages, query: str, limit: int = 50):
    """The matching messages of `messages` (already scoped by the access layer), newest first;
    with their authors, and on PostgreSQL with `headline`, the body's best fragment with the
    matches between START and STOP."""
    query = " ".join(query.split())[:200]
    if not query:
        return messages.none()
    messages = messages.filter(kind="user", deleted_at__isnull=True).select_related("author")
    if connection.vendor == "postgresql":
        ts_query = SearchQuery(query, config="russian", search_type="websearch") | SearchQuery(
            query, config="english", search_type="websearch"
        )
        return (
            messages.annotate(search=SEARCH_VECTOR)
            .filter(search=ts_query)
            .order_by((F("pk") + 0).desc())  # the GIN bitmap, not a walk (see above)
            .annotate(body_length=Length("body"), headline=_headline(ts_query))[:limit]
        )
    words = query_stems(query)
    if not words:
        return messages.none()
    matching = RawSQL(
        "SELECT rowid FROM chat_message_fts WHERE chat_message_fts MATCH %s",
        (_match_expression(words),),
    )
    return messages.filter(pk__in=matching).order_by("-pk")[:limit]


def _headline(ts_query):
    """ts_headline over the body, the marks being START and STOP (taken out of the body
    first): a message of up to SNIPPET_LENGTH characters whole, a longer one as up to three
    fragments around its matches (as the SQLite snippet). The 'russian' configuration stems
    Latin words with the English stemmer, so both halves of the query find their words.
    PostgreSQL computes it for the page's rows only (an expensive select-list expression runs
    after the LIMIT)."""
    body = Replace(Replace("body", Value(START), Value("")), Value(STOP), Value(""))
    marks = {"config": "russian", "start_sel": START, "stop_sel": STOP}
    return Case(
        When(
            body_length__lte=SNIPPET_LENGTH,
            then=SearchHeadline(body, ts_query, highlight_all=True, **marks),
        ),
        default=SearchHeadline(
            body,
            ts_query,
            max_words=40,
            min_words=15,
            max_fragments=3,
            fragment_delimiter=" … ",
            **marks,
        ),
    )


# --- Snippets --------------------------------------------------------------------------------


def _safe_join(parts) -> SafeString:
    """Parts that are each escaped text or a <mark> of escaped text, as one safe string."""
    return format_html_join("", "{}", ((part,) for part in parts))


def _mark(text: str) -> SafeString:
    return format_html("<mark>{}</mark>", text)


def marked(headline: str) -> SafeString:
    """ts_headline's text (matches between START and STOP) as HTML: all text escaped, the
    matches in <mark>. A stray or nested mark character opens or closes nothing twice."""
    parts, inside = [], False
    for piece in re.split(f"([{START}{STOP}])", " ".join(headline.split())):
        if piece == START:
            inside = True
        elif piece == STOP:
            inside = False
        elif piece:
            parts.append(_mark(piece) if inside else escape(piece))
    return _safe_join(parts)


def highlight(text: str, query: str, length: int = SNIPPET_LENGTH) -> SafeString:
    """`text` (plain text) as a snippet of about `length` characters around the first word
    whose stem is one of the query's, escaped, with every such word in <mark>."""
    wanted = set(query_stems(query))
    text = " ".join(text.split())
    spans = [m.span() for m in _WORD.finditer(text) if stem(m.group()) in wanted]
    start, end = 0, len(text)
    if len(text) > length:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - SNIPPET_LEAD, len(text) - length))
        space = text.rfind(" ", 0, start)
        if start and space != -1 and start - space <= 20:
            start = space + 1  # begin at a word
        end = min(len(text), start + length)
        space = text.rfind(" ", start, end)
        if end < len(text) and space > start + length // 2:
            end = space  # end at a word
    parts = ["…"] if start else []
    position = start
    for first, last in spans:
        if start <= first and last <= end:
            parts += [escape(text[position:first]), _mark(text[first:last])]
            position = last
    parts.append(escape(text[position:end]))
    if end < len(text):
        parts.append("…")
    return _safe_join(parts)


# --- Results for the page --------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A found message, as the search page shows it: a card that jumps into the chat."""

    id: int
    collab_id: int
    author: PersonView | None
    created: datetime
    edited: bool
    snippet: SafeString


def results(messages, query: str, limit: int = 50) -> list[Hit]:
    """The hits of `query` in `messages` (scoped by the access layer), each with its snippet.
    One query: the matching messages with their authors."""
    hits = []
    for message in search(messages, query, limit):
        if hasattr(message, "headline"):
            snippet = marked(message.headline)
        else:
            snippet = highlight(plain_text(message.body), query)
        hits.append(
            Hit(
                id=message.pk,
                collab_id=message.collab_id,
                author=PersonView.of(message.author) if message.author_id else None,
                created=message.created,
                edited=message.edited_at is not None,
                snippet=snippet,
            )
        )
    return hits
