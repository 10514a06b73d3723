"""Calendar benchmark (issue 13; not named calendar.py, which would hide the standard library
module of that name from the script): what free slots cost to compute and to serve, and the calendar
pages' server time with few and with many meetings.

    .venv/bin/python bench/meetings.py            # ~1 min
    .venv/bin/python bench/meetings.py --quick    # fewer samples

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, no password). It creates the database
`collabhub_bench_calendar` (dropped and recreated every run, dropped at the end unless
--keep-db) and talks to nothing but 127.0.0.1. Pages are timed in-process through Django's
test client (the server's own time: URL routing, access checks, queries, templates), after
warm-up, as p50 / p95 in milliseconds, with the number of queries each made.

Figures:
- slots.free_slots, pure: 60 days ahead, 30-minute slots every 15 minutes, a working week
  in Europe/Berlin, against 0 and 500 busy intervals;
- booking.offered for a link whose owner has 5 and 500 meetings in its window (the database
  part: working hours, busy time, the daily counts);
- GET the booking page, the collab's month / week / agenda, the sidebar's tab and My
  calendar, with 5 and with 500 meetings;
- 20 threads booking 20 different slots of one link at once (each on its own connection):
  wall time, and that all 20 were made; then 20 threads on one slot: one made, 19 told.
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
DB = "collabhub_bench_calendar"


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql],
        check=True,
        capture_output=True,
    )


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collabhub.settings")
    os.environ["TASKS_BACKEND"] = "immediate"
    os.environ["DEBUG"] = "0"
    os.environ["LOCAL_RUN"] = "1"
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.BOOKINGS_PER_HOUR = settings.BOOKINGS_PER_DAY = 10**6
    settings.BOOKING_PAGE_PER_MINUTE = 10**6
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    import logging

    logging.getLogger("django_tasks").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ms(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return f"p50 {statistics.median(samples) * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms"


def timed(fn, n: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def bench_pure(n: int) -> None:
    from datetime import UTC, datetime
    from datetime import time as clock

    from apps.calendar import slots

    week = tuple(((clock(9), clock(18)),) if d < 5 else () for d in range(7))
    schedule = slots.Schedule("Europe/Berlin", week, {})
    rules = slots.Rules(
        duration=timedelta(minutes=30), increment=timedelta(minutes=15), horizon_days=60
    )
    now = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    busy = [
        slots.Interval(now + timedelta(hours=3 * i), now + timedelta(hours=3 * i, minutes=45))
        for i in range(500)
    ]
    for label, b in (("0 busy", []), ("500 busy", busy)):
        result = slots.free_slots(rules, schedule, b, now)
        samples = timed(lambda b=b: slots.free_slots(rules, schedule, b, now), n)
        print(f"  free_slots, 60 days, {label:9} {len(result):5} slots   {ms(samples)}")


def make_meetings(collab, owner, count: int, start) -> None:
    from django.utils import timezone

    from apps.calendar.models import Attendee, Meeting

    now = timezone.now()
    made = Meeting.objects.bulk_create(
        Meeting(
            collab=collab,
            title=f"Meeting {i}",
            start=start + timedelta(minutes=97 * i),
            end=start + timedelta(minutes=97 * i + 40),
            organizer=owner,
            uid=f"bench-{collab.pk}-{count}-{i}@bench",
            created=now,
            updated=now,
        )
        for i in range(count)
    )
    Attendee.objects.bulk_create(
        Attendee(meeting=m, user=owner, is_organizer=True, answer="accepted") for m in made
    )


def bench_pages(n: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.calendar import availability, booking
    from apps.collabs.services import create_collab

    for count in (5, 500):
        owner = User.objects.create_user(f"owner{count}@bench.example", "pw", full_name="Owner")
        availability.set_weekly(owner, "UTC", [[["08:00", "20:00"]]] * 7)
        collab = create_collab(owner, name=f"Bench {count}")
        today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        make_meetings(collab, owner, count, today + timedelta(hours=1))
        slot_link = booking.create_link(collab, owner, title="Intro", min_notice=0)
        samples = timed(lambda slot_link=slot_link: booking.offered(slot_link), n)
        print(f"  booking.offered, {count:3} meetings                 {ms(samples)}")
        client = Client()
        client.force_login(owner)
        day = today.date().isoformat()
        pages = {
            "booking page": reverse("my_calendar:book", args=[slot_link.token]) + "?tz=UTC",
            "month": reverse("calendar:month", args=[collab.pk]) + f"?date={day}",
            "week": reverse("calendar:week", args=[collab.pk]) + f"?date={day}",
            "agenda": reverse("calendar:agenda", args=[collab.pk]) + f"?date={day}",
            "tab": reverse("calendar:tab", args=[collab.pk]),
            "my calendar": reverse("my_calendar:mine") + f"?date={day}",
        }
        for name, url in pages.items():
            queries: list[str] = []

            def counting(execute, sql, params, many, context, queries=queries):
                queries.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(counting):
                response = client.get(url, headers={"HX-Request": "true"} if name == "tab" else {})
            assert response.status_code == 200, (name, response.status_code)
            samples = timed(lambda url=url, client=client: client.get(url), n)
            print(f"  GET {name:13} {count:3} meetings, {len(queries):2} queries   {ms(samples)}")


def bench_race() -> None:
    from django.db import connection

    from apps.accounts.models import User
    from apps.calendar import availability, booking
    from apps.calendar.models import Booking
    from apps.collabs.services import create_collab

    owner = User.objects.create_user("racer@bench.example", "pw", full_name="Racer")
    availability.set_weekly(owner, "UTC", [[["00:00", "23:59"]]] * 7)
    collab = create_collab(owner, name="Race")
    slot_link = booking.create_link(collab, owner, title="Race", min_notice=0)
    offered = booking.offered(slot_link)

    def run(starts) -> tuple[float, list[str]]:
        barrier = threading.Barrier(len(starts))
        results: list[str] = []
        lock = threading.Lock()

        def attempt(i, start):
            barrier.wait()
            try:
                booking.book(slot_link.token, start, name=f"P{i}", email=f"p{i}@x.example",
                             zone="UTC")  # fmt: skip
                outcome = "made"
            except booking.SlotTaken:
                outcome = "taken"
            finally:
                connection.close()
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=attempt, args=(i, s)) for i, s in enumerate(starts)]
        t = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - t, results

    wall, results = run([offered[i * 2].start for i in range(20)])
    print(f"  20 threads, 20 slots: {results.count('made')} made in {wall * 1000:.0f} ms")
    before = Booking.objects.count()
    wall, results = run([offered[60].start] * 20)
    made = Booking.objects.count() - before
    print(
        f"  20 threads, 1 slot:   {made} made, {results.count('taken')} told it was taken,"
        f" in {wall * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    n = 10 if args.quick else 50
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    try:
        setup_django()
        print("Free slots, pure:")
        bench_pure(n)
        print("Pages and queries (in-process, server time):")
        bench_pages(n)
        print("Booking at once:")
        bench_race()
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
