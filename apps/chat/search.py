"""Search in a collab's messages.

PostgreSQL: full-text search over Russian and English stemming at once, served by the GIN
expression index of migration 0002 (the expression below must stay identical to it).
SQLite: every word must appear, compared case-insensitively in Python (SQLite's LIKE folds
only ASCII, so Cyrillic would be missed) - a scan, slower, but correct.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection

SEARCH_VECTOR = SearchVector("body", config="russian") + SearchVector("body", config="english")


def search(messages, query: str, limit: int = 50):
    """The matching messages of `messages` (already scoped by the access layer), best first
    on PostgreSQL, newest first elsewhere."""
    query = " ".join(query.split())[:200]
    if not query:
        return messages.none()
    messages = messages.filter(kind="user", deleted_at__isnull=True)
    if connection.vendor == "postgresql":
        ts_query = SearchQuery(query, config="russian", search_type="websearch") | SearchQuery(
            query, config="english", search_type="websearch"
        )
        return (
            messages.annotate(search=SEARCH_VECTOR)
            .filter(search=ts_query)
            .annotate(rank=SearchRank(SEARCH_VECTOR, ts_query))
            .order_by("-rank", "-pk")[:limit]
        )
    words = [word.casefold() for word in query.split()[:10]]
    found = []
    for pk, body in messages.order_by("-pk").values_list("pk", "body").iterator(chunk_size=2000):
        text = body.casefold()
        if all(word in text for word in words):
            found.append(pk)
            if len(found) >= limit:
                break
    return messages.filter(pk__in=found).order_by("-pk")
