"""Load test of realistic mixed use (issue 14, item 6): how many people one deployment holds.

N simulated people, each holding the socket of the collab page they have open, across 50
collabs with a few guests each: they open chat pages, scroll back through history, type and
send at human rates, read (the page's "read" frames), react, search, open the list of collabs
and move between their collabs (bench/loadbench/people.py has the profile: per person per
minute 1 send, 0.5 history scrolls of 1-3 pages, 0.5 reactions, 0.2 searches, 0.3 moves to
another collab, 0.2 collab lists; --pace scales them all). The ramp adds people step by step
(default 50, 100, 200, 300, 500, 700, 1000, 1500; newcomers arrive at 3 a second, each with a
chat page and a socket, then 10 s to settle) and stops after the first step where the p99 of a
page load or of the deliveries passes 500 ms, or an error or a lost message appears.
Each step prints: people online, throughput (HTTP requests/s, messages/s, deliveries/s, frames
in and out), p50/p99 and n per action, errors by kind, lost messages (every acknowledged
message must reach every socket of its collab open when it was sent: the count of those that
did not), CPU per process (each Daphne, PostgreSQL's processes together, Redis, this client,
the rest of the machine) and memory (RSS; PostgreSQL as PSS), and the client's event-loop lag.

    .venv/bin/python bench/load.py --quick         # < 3 min: 50, 100, 200 people, short steps
    .venv/bin/python bench/load.py                 # the full ramp (up to ~20 min)
    .venv/bin/python bench/load.py --nodes 2       # two Daphne processes behind HAProxy, as
                                                   # `make cluster` runs them (collabhub/
                                                   # cluster.py); where that file is missing,
                                                   # or with --no-proxy, the client spreads
                                                   # the people over the nodes
    .venv/bin/python bench/load.py --target http://127.0.0.1:8000 --server-pids 123,456 \\
        --proxy-pids 122 --database-url postgres://... --secret-key ...   # a running deployment

Own stack (the default): PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on
127.0.0.1:6379 db 15 (flushed); the database `load_bench` is dropped and recreated and dropped
at the end (--keep-db keeps it); Daphne processes on free loopback ports, with the project's
default rate limits (the human rates stay under them). The client is one asyncio process
(uvloop when installed) on the same 2 cores as the server: its CPU and loop lag are printed
with every step, so a step where the client, not the server, is the limit shows as such; so
is the CPU of the rest of the machine ("rest": other work on the cores is measured as load).

Lost messages: a socket still open without a message it was owed, after a drain (10 s, quick
5 s) at the step's reading and again at the end of the run (so a step's "lost" may be late;
the end's is lost, or later than the whole rest of the run). A socket closed first owes
nothing (its person moved on, or the server dropped it: an error of its own, and the person
reconnects and catches up as the page does).

With --target the people are seeded into the deployment's database (the same SECRET_KEY is
needed, as sessions are signed with it) and the pages and sockets go to that URL; the CPU and
memory are read from the pids given (--server-pids, --proxy-pids), PostgreSQL's processes
(found by name) and the Redis on --redis-port (asked for its pid).
"""

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from time import perf_counter
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(PROJECT))

from chatbench import stack  # noqa: E402
from loadbench import figures  # noqa: E402
from loadbench.people import PAGES, Person, Profile, Recorder  # noqa: E402

P99_LIMIT_MS = 500.0
N_COLLABS = 50
GUESTS_PER_COLLAB = 3
MIN_PEOPLE = 1000
QUIET_PCT = 25.0  # % of one core other processes may use before the ramp starts


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="50, 100, 200 people, short steps")
    ap.add_argument("--steps", help="people per step, comma-separated (e.g. 50,100,200)")
    ap.add_argument("--measure", type=float, help="seconds measured per step")
    ap.add_argument(
        "--arrivals",
        type=float,
        help="newcomers arriving per second during a ramp (default 3, quick 5)",
    )
    ap.add_argument("--pace", type=float, default=1.0, help="scale every person's rates")
    ap.add_argument("--messages", type=int, help="history messages seeded per collab")
    ap.add_argument("--no-stop", action="store_true", help="run every step even past the limits")
    ap.add_argument("--nodes", type=int, default=1, help="Daphne processes to start (own stack)")
    ap.add_argument("--target", help="URL of a running deployment: start no server")
    ap.add_argument("--server-pids", default="", help="with --target: the server processes")
    ap.add_argument("--proxy-pids", default="", help="with --target: the proxy's processes")
    ap.add_argument(
        "--no-proxy",
        action="store_true",
        help="with --nodes: no HAProxy even where collabhub/cluster.py exists (the client "
        "spreads the people over the nodes)",
    )
    ap.add_argument("--database-url", help="with --target: its database (seeded)")
    ap.add_argument("--secret-key", help="with --target: its SECRET_KEY (default: $SECRET_KEY)")
    ap.add_argument("--db-name", default="load_bench")
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--redis-port", type=int, default=6379)
    ap.add_argument("--redis-db", type=int, default=15)
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--json", help="write all figures to this file")
    ap.add_argument(
        "--wait-quiet",
        type=float,
        metavar="SECONDS",
        help="wait at most this long for other processes to leave the cores alone "
        "(default 300, quick 10)",
    )
    return ap.parse_args()


def config(a: argparse.Namespace) -> dict:
    if a.quick:
        cfg = {"steps": [50, 100, 200], "measure": 12.0, "arrivals": 5.0, "settle": 5.0}
        cfg.update(drain=5.0, messages=200)
    else:
        cfg = {"steps": [50, 100, 200, 300, 500, 700, 1000, 1500], "measure": 60.0}
        cfg.update(arrivals=3.0, settle=10.0, drain=10.0, messages=1000)
    if a.steps:
        cfg["steps"] = [int(x) for x in a.steps.split(",")]
    if a.measure:
        cfg["measure"] = a.measure
    if a.arrivals:
        cfg["arrivals"] = a.arrivals
    if a.messages is not None:
        cfg["messages"] = a.messages
    return cfg


def log(msg: str = "") -> None:
    print(msg, flush=True)


def raise_fd_limit(n: int = 20_000) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, n), hard), hard))


class Deployment:
    """Where the people go: Daphne processes started here, or a running deployment."""

    def __init__(self, a: argparse.Namespace, workdir: Path):
        self.a = a
        self.daphnes: list[stack.Daphne] = []
        self.cluster = None  # collabhub.cluster.Cluster, when the nodes are behind HAProxy
        self.proxy: list[int] = [int(p) for p in a.proxy_pids.split(",") if p.strip()]
        self.st: stack.Stack | None = None
        self.workdir = workdir
        self.how = ""
        if a.target:
            parts = urlsplit(a.target)
            self.bases = [f"{parts.scheme}://{parts.netloc}"]
            self.servers = {
                f"server {pid}": int(pid) for pid in a.server_pids.split(",") if pid.strip()
            }
        else:
            self.st = stack.Stack(
                db_name=a.db_name,
                pg_user="postgres",
                pg_port=a.pg_port,
                redis_port=a.redis_port,
                redis_db=a.redis_db,
                workdir=workdir,
                conn_max_age=0,
            )
            self.bases = []
            self.servers = {}

    def prepare(self) -> None:
        """Database and the environment this process seeds through."""
        if self.st is not None:
            log(f"database {self.a.db_name} (recreated), Redis db {self.a.redis_db}, migrate ...")
            self.st.recreate_database()
            self.st.flush_redis()
            self.st.migrate()
            os.environ.update(self.st.env())
        else:
            secret = self.a.secret_key or os.environ.get("SECRET_KEY")
            if not (self.a.database_url and secret):
                sys.exit("--target needs --database-url and --secret-key (or $SECRET_KEY)")
            os.environ.update(
                DJANGO_SETTINGS_MODULE="collabhub.settings",
                DATABASE_URL=self.a.database_url,
                SECRET_KEY=secret,
                DEBUG="0",
                ALLOWED_HOSTS="*",
            )

    def start(self) -> None:
        if self.st is None:
            self.how = f"{self.a.target} (server pids {sorted(self.servers.values())})"
            return
        if self.a.nodes > 1 and not self.a.no_proxy and self._start_cluster():
            return
        for i in range(self.a.nodes):
            d = stack.Daphne(self.st, self.workdir / f"daphne-{i}.log")
            self.daphnes.append(d)
            self.bases.append(d.base)
            self.servers[f"daphne {i}" if self.a.nodes > 1 else "daphne"] = d.pid
        self.how = ", ".join(f"Daphne {d.base} (pid {d.pid})" for d in self.daphnes)
        if self.a.nodes > 1:
            self.how += "; no proxy: the client spreads the people over the nodes"
        log(self.how)

    def _start_cluster(self) -> bool:
        """The nodes behind HAProxy as `make cluster` runs them (collabhub/cluster.py), when
        this checkout has it; without the periodic runners and the task worker."""
        try:
            from collabhub import cluster
        except ImportError:
            log("(no collabhub/cluster.py here: the nodes run without a proxy)")
            return False
        self.st.flush_redis()
        port = stack.free_port()
        env = cluster.cluster_env(self.st.env(), port)
        self.cluster = cluster.Cluster(
            env=env,
            workdir=self.workdir / "cluster",
            nodes=self.a.nodes,
            port=port,
            node_ports=[stack.free_port() for _ in range(self.a.nodes)],
            runners=False,
            worker=False,
        )
        self.cluster.start()
        if not self.cluster.wait_all_up(60):
            log(f"WARNING: HAProxy does not see every node up: {self.cluster.status()}")
        self.bases = [f"http://{stack.HOST}:{port}"]
        self.servers = {node.name: node.pid for node in self.cluster.node_list}
        self.proxy = [self.cluster.proxy.pid]
        self.how = (
            f"HAProxy http://{stack.HOST}:{port} (pid {self.cluster.proxy.pid}) in front of "
            + ", ".join(f"{n.name} :{n.port} (pid {n.pid})" for n in self.cluster.node_list)
        )
        log(self.how)
        return True

    def redis_pid(self) -> int:
        return figures.redis_pid(self.a.redis_port)

    def tracebacks(self) -> int:
        logs = [d.tail(50_000_000) for d in self.daphnes]
        if self.cluster is not None:
            logs += [node.tail(50_000_000) for node in self.cluster.node_list]
        return sum(text.count("Traceback") for text in logs)

    def stop(self) -> None:
        for d in self.daphnes:
            d.stop()
        if self.cluster is not None:
            self.cluster.stop()
        if self.st is not None:
            if not self.a.keep_db:
                self.st.drop_database()
            self.st.flush_redis()


def print_step(
    n: int, online: int, fig: dict, res: dict, lag: dict, tracebacks: int, drain: float
) -> None:
    log(
        f"\n== {n} people: {online} online; {fig['requests_per_s']} requests/s, "
        f"{fig['messages_per_s']} messages/s, {fig['deliveries_per_s']} deliveries/s "
        f"(frames in {fig['frames_in_per_s']}/s, out {fig['frames_out_per_s']}/s) over "
        f"{fig['window_s']} s"
    )
    log(f"   {'action':<22}{'n':>7}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for action, s in fig["actions"].items():
        if s.get("n"):
            log(f"   {action:<22}{s['n']:>7}{s['p50']:>10.1f}{s['p99']:>10.1f}{s['max']:>10.1f}")
        else:
            log(f"   {action:<22}{0:>7}")
    log(
        f"   errors {fig['errors']} {fig['error_kinds'] or ''}; unacked sends {fig['unacked']}; "
        f"lost {fig['lost']} (of {fig['acked']} acked messages: frames missing on open sockets "
        f"{drain:.0f} s after the window); server tracebacks so far "
        f"{tracebacks}"
    )
    if fig["error_examples"]:
        log(f"   e.g. {fig['error_examples']}")
    cpu = ", ".join(f"{k} {v}%" for k, v in res["cpu_pct"].items())
    mem = ", ".join(f"{k} {v}" for k, v in res["mem_mib"].items() if v is not None)
    log(f"   CPU (% of one core; {os.cpu_count()} cores): {cpu}")
    if res.get("per_100_people"):
        per = res["per_100_people"]
        log(
            f"   per 100 people online: server processes {per['servers']}% of a core, with "
            f"PostgreSQL, Redis and the proxy {per['stack']}% (a starved server shows less)"
        )
    log(f"   memory MiB: {mem}; PostgreSQL processes {res['postgres_processes']}")
    log(f"   client loop lag p50 {lag.get('p50')} / p99 {lag.get('p99')} ms (n {lag.get('n')})")


def verdict(fig: dict) -> list[str]:
    why = []
    for action in (*PAGES, "delivery"):
        s = fig["actions"].get(action, {})
        if s.get("n") and s["p99"] > P99_LIMIT_MS:
            why.append(f"{action} p99 {s['p99']:.0f} ms")
    if fig["errors"]:
        why.append(f"{fig['errors']} errors")
    if fig["lost"]:
        why.append(f"{fig['lost']} lost")
    return why


async def warm_up(dep: Deployment, seeded, profile: Profile, run: str) -> None:
    """Every kind of page and a socket once per server, unmeasured, as a server that has run
    a while would be (templates compiled, lazy imports done)."""
    rec = Recorder()
    for i, base in enumerate(dep.bases):
        p = Person(seeded.people[-1 - i], base, base.replace("http", "ws", 1), rec, profile, run)
        await p._open(p.collab_id)
        for action in (p.history, p.search, p.collab_list, p.react):
            await action()
        await p.stop()
    if rec.errors:
        log(f"warm-up errors: {rec.errors[:3]}")


async def ramp(dep: Deployment, seeded, cfg: dict, a: argparse.Namespace) -> dict:
    rec = Recorder()
    run = secrets.token_hex(3)
    profile = Profile().scaled(a.pace)
    lag = figures.LoopLag()
    lag_task = asyncio.create_task(lag.run())
    meter = figures.Meter(dep.servers, dep.redis_pid(), dep.proxy)
    people: list[Person] = []
    steps = []
    await warm_up(dep, seeded, profile, run)
    held = 0
    try:
        for n in cfg["steps"]:
            if n > len(seeded.people):
                log(f"(only {len(seeded.people)} people seeded; stopping)")
                break
            since = perf_counter()
            first = len(people)
            ramp_s = (n - first) / cfg["arrivals"]
            for spec in seeded.people[first:n]:
                base = dep.bases[spec.index % len(dep.bases)]
                ws_base = base.replace("http", "ws", 1)
                p = Person(spec, base, ws_base, rec, profile, run)
                p.start(delay=(spec.index - first) / cfg["arrivals"])
                people.append(p)
            log(
                f"\n... {n} people ({n - first} arriving over {ramp_s:.0f} s, then "
                f"{cfg['settle']:.0f} s to settle) ..."
            )
            await asyncio.sleep(ramp_s + cfg["settle"])
            w0 = perf_counter()
            meter.start()
            await asyncio.sleep(cfg["measure"])
            w1 = perf_counter()
            res = meter.stop()
            online = sum(1 for p in people if p.online)
            if online:
                cpu = res["cpu_pct"]
                servers = sum(cpu[name] for name in dep.servers)
                stack_pct = servers + cpu["postgres"] + cpu["redis"] + cpu.get("proxy", 0.0)
                res["per_100_people"] = {
                    "servers": round(100 * servers / online, 1),
                    "stack": round(100 * stack_pct / online, 1),
                }
            await asyncio.sleep(cfg["drain"])
            fig = figures.step_figures(rec, w0, w1, perf_counter(), since)
            tb = dep.tracebacks()
            win_lag = lag.window(w0, w1)
            print_step(n, online, fig, res, win_lag, tb, cfg["drain"])
            why = verdict(fig)
            step = {"people": n, "online": online, **fig, **res, "loop_lag_ms": win_lag}
            step["tracebacks_so_far"] = tb
            step["_window"] = (w0, w1, since)
            step["over"] = why
            steps.append(step)
            if why:
                log(f"   -> past the limits: {'; '.join(why)}")
                if not a.no_stop:
                    break
            else:
                held = online
                log(f"   -> within the limits (p99 < {P99_LIMIT_MS:.0f} ms, no error, none lost)")
        # Late or lost: what was missing at a step's reading and still is, after one more drain.
        await asyncio.sleep(cfg["drain"])
        now = perf_counter()
        for step in steps:
            w0, w1, since = step.pop("_window")
            step["lost_at_end"] = figures.step_figures(rec, w0, w1, now, since)["lost"]
        log(
            "\nStill missing at the end of the run (lost, not late): "
            + ", ".join(f"{s['people']} people {s['lost_at_end']}" for s in steps)
        )
    finally:
        lag_task.cancel()
        for i in range(0, len(people), 100):
            await asyncio.gather(*(p.stop() for p in people[i : i + 100]))
    return {"steps": steps, "held": held, "errors_total": len(rec.errors)}


def main() -> None:
    a = parse_args()
    cfg = config(a)
    raise_fd_limit()
    workdir = Path(tempfile.mkdtemp(prefix="collabhub-load-"))
    dep = Deployment(a, workdir)
    t_run = time.perf_counter()
    mode = "quick" if a.quick else "full"
    where = a.target or f"{a.nodes} Daphne process(es) started here"
    log(f"bench/load ({mode}) against {where}; scratch {workdir}")
    dep.prepare()
    import django

    django.setup()
    from loadbench import seed

    # At least 1,000 people, so that guests (3 a collab) stay a minority at every step.
    n_people = max(max(cfg["steps"]), MIN_PEOPLE)
    log(
        f"seeding {n_people} people ({N_COLLABS * GUESTS_PER_COLLAB} of them guests), "
        f"{N_COLLABS} collabs, {cfg['messages']} messages each ..."
    )
    seeded = seed.seed(
        n_people, N_COLLABS, GUESTS_PER_COLLAB, cfg["messages"], tag=secrets.token_hex(3)
    )
    log("  " + ", ".join(f"{k} {v:.1f} s" for k, v in seeded.timings.items()))
    members = sorted(c.members for c in seeded.collabs.values())
    log(f"  members per collab: {members[0]}-{members[-1]}")
    max_wait = a.wait_quiet if a.wait_quiet is not None else (10 if a.quick else 300)
    busy = stack.wait_quiet(QUIET_PCT, max_wait, log)
    log(f"machine busy before the run: {busy:.0f}% of one core (other processes)")
    results: dict = {"mode": mode, "cfg": cfg, "where": where, "busy_before_pct": round(busy, 1)}
    runner = asyncio.run
    try:
        import uvloop

        runner = uvloop.run
        results["client_loop"] = "uvloop"
    except ImportError:
        results["client_loop"] = "asyncio"
    try:
        dep.start()
        results["deployment"] = dep.how
        results.update(runner(ramp(dep, seeded, cfg, a)))
        results["server_tracebacks"] = dep.tracebacks()
    finally:
        dep.stop()
    results["elapsed_s"] = round(time.perf_counter() - t_run, 1)
    log(
        f"\nHeld: {results['held']} people online within the limits "
        f"(p99 of pages and deliveries < {P99_LIMIT_MS:.0f} ms, no error, nothing lost); "
        f"server tracebacks {results['server_tracebacks']}; {results['elapsed_s']} s in all"
    )
    path = a.json or str(workdir / "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1, default=str)
    log(f"All figures: {path}")


if __name__ == "__main__":
    main()
