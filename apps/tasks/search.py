"""Tasks found by their title and description, with Russian and English stemming on both
databases (the chat's rules: apps/chat/search.py).

PostgreSQL: full-text search over the title and the description, Russian and English stemming
at once (`websearch_to_tsquery`, so quotes and -words work as people expect), served by the GIN
expression index of migration 0002_task_search_index, whose expression must stay identical to
SEARCH_VECTOR here or PostgreSQL will not use it.

SQLite (the embedded default): no stored index. A task list is one collab's tasks (hundreds,
a few thousand at most), so the query computes the stems of each candidate's title and
description on the fly with `task_stems(title, description)`, a deterministic SQL function
registered on every SQLite connection (`_register`) that runs the chat's own stemmer
(apps.chat.search.stems: Cyrillic by the Russian Snowball stemmer, Latin by the English one,
lower case, the dots taken off the Cyrillic yo), and keeps the rows holding every stem of the
query. Why on the fly and not a stored column or an FTS table: nothing has to be kept in
step, so no service, signal or backfill can miss a row (a task saved by any code path is
found as it is), and the cost is bounded by the collab's tasks, which the access layer's
scope has already narrowed to. The stemmer caches each word's stem.

Access: `search` only narrows the queryset it is given (services.visible_tasks), so the hits
are those tasks and no others, in the same one query as the list's filters and keyset page.
"""

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import BooleanField, Func

from apps.chat.search import query_stems, stems

MAX_QUERY = 200

# Must match migration 0002_task_search_index's expression.
SEARCH_VECTOR = SearchVector("title", "description", config="russian") + SearchVector(
    "title", "description", config="english"
)

SQLITE_FUNCTION = "task_stems"


def _task_stems(title, description) -> str:
    """The stems of a task's words, space-separated with a space at each end, so that
    `instr(stems, ' ' || stem || ' ')` finds a whole stem."""
    words = stems(f"{title or ''} {description or ''}")
    return " " + " ".join(words) + " " if words else " "


def _register(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 2, _task_stems, deterministic=True)


def install() -> None:
    """Register the SQLite function on new connections and on one already open (from the
    app's ready())."""
    connection_created.connect(_register, dispatch_uid="tasks.search.task_stems")
    if connection.vendor == "sqlite" and connection.connection is not None:
        _register(None, connection)


class _HasStem(Func):
    """instr(task_stems(title, description), ' <stem> ') > 0, the stem a bound parameter."""

    output_field = BooleanField()
    template = f"(instr({SQLITE_FUNCTION}(%(expressions)s), %(needle)s) > 0)"

    def __init__(self, stem: str):
        super().__init__("title", "description")
        self.stem = stem

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, needle="%s", **extra)
        return sql, [*params, f" {self.stem} "]


def clean_query(raw) -> str:
    return " ".join(str(raw or "").split())[:MAX_QUERY]


def search(tasks, query: str):
    """The tasks of `tasks` (already scoped by the access layer) whose title or description
    holds every word of `query` (in any form and case). The order is the caller's."""
    query = clean_query(query)
    if not query:
        return tasks
    if connection.vendor == "postgresql":
        ts_query = SearchQuery(query, config="russian", search_type="websearch") | SearchQuery(
            query, config="english", search_type="websearch"
        )
        return tasks.annotate(search_vector=SEARCH_VECTOR).filter(search_vector=ts_query)
    words = query_stems(query)
    if not words:
        return tasks.none()
    for word in words:
        tasks = tasks.filter(_HasStem(word))
    return tasks
