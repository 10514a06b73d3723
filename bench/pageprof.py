"""Profile the chat page and a history page in-process (issue 14): the queries each makes and
where the time goes (cProfile), on PostgreSQL with the bench's seeded history.

    .venv/bin/python bench/pageprof.py --db-name pages_prof [--redis-db 13] [--top 30]

Recreates the database `--db-name` (dropped at the end unless --keep-db), seeds one collab of
`--messages` messages with 21 members as bench/chat does, then requests, as its owner, the
chat page and history pages through Django's test client (the whole middleware stack and
context processors, no network), printing per view: the queries (count and SQL with
--sql), the time p50 of `--n` requests, cold and warm, and the top functions by cumulative
time."""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from chatbench import stack  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db-name", default="pages_prof")
    ap.add_argument("--redis-db", type=int, default=13)
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--sort", default="cumulative", help="cProfile order: cumulative, tottime")
    ap.add_argument("--sql", action="store_true", help="print every query of one request")
    ap.add_argument("--keep-db", action="store_true")
    a = ap.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="collabhub-pageprof-"))
    st = stack.Stack(
        db_name=a.db_name,
        pg_user="postgres",
        pg_port=5432,
        redis_port=6379,
        redis_db=a.redis_db,
        workdir=workdir,
        conn_max_age=60,
    )
    st.recreate_database()
    st.flush_redis()
    st.migrate()
    os.environ.update(st.env(ALLOWED_HOSTS="testserver"))
    import django

    django.setup()
    from chatbench import seed
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.chat import partials

    try:
        seeded = seed.seed(21, {"history": (21, a.messages)}, log=lambda *x: None)
        c = seeded.collabs["history"]
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = seeded.sessions[0]
        page = f"/collabs/{c.id}/"
        befores = [c.first_id + 60 + i * 120 for i in range(a.n)]

        def history(i: int) -> str:
            return f"/collabs/{c.id}/chat/messages/?before={befores[i % len(befores)]}"

        hx = {"HX-Request": "true"}

        sql_time = [0.0]

        def timed_sql(execute, sql, params, many, context):
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                sql_time[0] += time.perf_counter() - t0

        def run(label: str, paths: list[str], headers: dict, clear: bool) -> None:
            times, in_sql = [], []
            for path in paths:
                if clear:
                    partials._cache.clear()
                sql_time[0] = 0.0
                t0 = time.perf_counter()
                with connection.execute_wrapper(timed_sql):
                    r = client.get(path, headers=headers)
                times.append((time.perf_counter() - t0) * 1000)
                in_sql.append(sql_time[0] * 1000)
                assert r.status_code == 200, (path, r.status_code)
            with CaptureQueriesContext(connection) as q:
                r = client.get(paths[0], headers=headers)
            print(
                f"{label:<28} p50 {statistics.median(times):6.1f} ms  min {min(times):6.1f} ms"
                f"  (waiting on SQL p50 {statistics.median(in_sql):5.1f} ms)"
                f"  queries {len(q.captured_queries):3d}  bytes {len(r.content):7,d}"
            )
            if a.sql:
                for item in q.captured_queries:
                    print("   ", item["sql"][:300])

        for _ in range(3):
            client.get(page)
            client.get(history(0), headers=hx)
        run("chat page (warm cache)", [page] * a.n, {}, clear=False)
        run("chat page (cold cache)", [page] * a.n, {}, clear=True)
        run("history (cold)", [history(i) for i in range(a.n)], hx, clear=True)
        run("history (warm)", [history(i) for i in range(a.n)], hx, clear=False)
        some = ("contract", "invoice", "freight", "signed", "Thursday")
        words = [some[i % len(some)] for i in range(a.n)]
        search = [f"/collabs/{c.id}/chat/search/?q={word}" for word in words]
        run("search page", search, {}, clear=False)
        run("my collabs", ["/collabs/"] * a.n, {}, clear=False)

        for label, path, headers, clear in (
            ()
            if not a.top
            else (
                ("chat page, warm render cache", page, {}, False),
                ("chat page, cold render cache", page, {}, True),
                ("history page, cold", history(1), hx, True),
                ("search page", search[0], {}, False),
            )
        ):
            prof = cProfile.Profile()
            for _ in range(a.n):
                if clear:
                    partials._cache.clear()
                reset_queries()
                prof.enable()
                client.get(path, headers=headers)
                prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats(a.sort).print_stats(a.top)
            print(f"\n=== {label}: cProfile of {a.n} requests, by {a.sort} ===")
            print("\n".join(out.getvalue().splitlines()[: a.top + 12]))
    finally:
        connection.close()
        if not a.keep_db:
            st.drop_database()


if __name__ == "__main__":
    main()
