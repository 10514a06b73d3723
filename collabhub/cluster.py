"""`make cluster`: the portal on several Daphne processes of this machine behind HAProxy, as a
cluster of several machines serves it.

    make cluster                 # one node per core, http://127.0.0.1:8000
    make cluster NODES=3 PORT=9000

What it starts, and stops together (Ctrl-C, or SIGTERM to this process):

- N Daphne nodes (NODES, default one per core) on 127.0.0.1:PORT+1 ... PORT+N;
- HAProxy (Debian's package) on 127.0.0.1:PORT, its configuration rendered from the template
  deploy/haproxy.cfg into var/cluster/haproxy.cfg: no stickiness (leastconn), WebSockets,
  health checks on /healthz/, a request-size limit from FILES_MAX_BYTES, X-Forwarded-For and
  X-Forwarded-Proto set by the proxy;
- `manage.py run_periodic` beside each node: only the one holding the runner lock works, the
  others take over when it dies (apps.core.periodic.runner_lock);
- one `manage.py db_worker` (the background tasks), unless TASKS_BACKEND=immediate.

A child that dies is started again (a node after a second: meanwhile HAProxy sends its traffic
to the others); HAProxy dying stops the cluster.

The nodes share one PostgreSQL database and one Redis (groups across nodes, rate limits, the
cache): DATABASE_URL defaults to the local PostgreSQL database `collabhub`
(postgres://postgres@127.0.0.1:5432/collabhub, created when missing) and REDIS_URL to
redis://127.0.0.1:6379/0; SQLite is refused (each node would have its own writer). Every node
gets SECURE_PROXY_SSL_HEADER=1 and ALLAUTH_TRUSTED_PROXY_COUNT=1 (the client address behind the
one proxy), and LOCAL_RUN=1 as `make run` does (plain HTTP on one machine, a secret key
generated once into var/ and shared by the nodes).

The building blocks (Cluster, render_haproxy, proxy_status) are what tests/cluster starts too.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "haproxy.cfg"
HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/collabhub"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# The multipart envelope around a batch of files (apps/files/chat_views.py's _ENVELOPE).
UPLOAD_ENVELOPE = 64 * 1024


class ClusterError(Exception):
    """Something the cluster cannot start without; the message says what to do."""


def max_body_bytes(env: dict[str, str]) -> int:
    """The largest request body the proxy lets through: the largest batch of files the chat's
    upload accepts (eight times FILES_MAX_BYTES, plus the form around them)."""
    files_max = int(env.get("FILES_MAX_BYTES") or 100 * 1024 * 1024)
    return files_max * 8 + UPLOAD_ENVELOPE


def max_connections() -> int:
    """HAProxy's maxconn: what the open-files limit allows (two descriptors per proxied
    connection, and some to spare), at most 20,000."""
    import resource

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY:
        return 20000
    return max(256, min(20000, (hard - 200) // 2))


def render_haproxy(context: dict) -> str:
    """deploy/haproxy.cfg rendered with `context` (Django's template language, no escaping)."""
    from django.template import Context, Engine

    def text(value):
        # Strings only: the template engine would localise numbers (and need settings to).
        if isinstance(value, list):
            return [text(item) for item in value]
        if isinstance(value, dict):
            return {key: text(item) for key, item in value.items()}
        return str(value)

    engine = Engine(autoescape=False)
    return engine.from_string(TEMPLATE.read_text()).render(Context(text(context)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = HOST) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        return False
    return True


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if not found:
        raise ClusterError(
            "HAProxy is not installed: `sudo apt-get install haproxy` (make install-test does it)."
        )
    return found


def proxy_status(admin_socket: Path) -> dict[str, str]:
    """Each node's state as HAProxy sees it ("UP", "DOWN", "UP 1/2", ...), from its runtime API."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        s.connect(str(admin_socket))
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    status = {}
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=False))
        if row.get("pxname") == "nodes" and row.get("svname") not in ("FRONTEND", "BACKEND"):
            status[row["svname"]] = row.get("status", "")
    return status


@dataclass
class Child:
    name: str
    command: list[str]
    log_path: Path
    proc: subprocess.Popen | None = None
    log: object = None
    restarts: int = 0

    def start(self, env: dict[str, str]) -> None:
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(  # noqa: S603 - our own command line
            self.command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.log is not None:
            self.log.close()
            self.log = None

    def kill(self) -> None:
        """kill -9, as a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""


@dataclass
class Node(Child):
    port: int = 0
    host: str = HOST


@dataclass
class Cluster:
    """N Daphne nodes behind HAProxy, with the periodic runners and the task worker."""

    env: dict[str, str]
    workdir: Path
    nodes: int = 2
    port: int = 8000
    node_ports: list[int] = field(default_factory=list)
    bind: str = HOST
    runners: bool = True
    worker: bool = True
    tunnel_timeout: str = "2m"
    check_inter: str = "2s"

    def __post_init__(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        python = str(Path(sys.executable))
        if not self.node_ports:
            self.node_ports = [self.port + 1 + i for i in range(self.nodes)]
        self.node_list = [
            Node(
                name=f"node{i + 1}",
                command=[
                    python, "-m", "daphne", "-b", HOST, "-p", str(port),
                    "collabhub.asgi:application",
                ],
                log_path=self.workdir / f"node{i + 1}.log",
                port=port,
            )
            for i, port in enumerate(self.node_ports)
        ]  # fmt: skip
        self.helpers: list[Child] = []
        if self.runners:
            self.helpers += [
                Child(
                    name=f"periodic{i + 1}",
                    command=[python, "manage.py", "run_periodic"],
                    log_path=self.workdir / f"periodic{i + 1}.log",
                )
                for i in range(len(self.node_list))
            ]
        if self.worker and (self.env.get("TASKS_BACKEND") or "database") == "database":
            self.helpers.append(
                Child(
                    name="worker",
                    command=[python, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"],
                    log_path=self.workdir / "worker.log",
                )
            )
        self.config_path = self.workdir / "haproxy.cfg"
        self.admin_socket = self.workdir / "haproxy.sock"
        self.proxy = Child(
            name="haproxy",
            command=[haproxy_binary(), "-db", "-f", str(self.config_path)],
            log_path=self.workdir / "haproxy.log",
        )

    # The proxy

    def haproxy_config(self) -> str:
        return render_haproxy(
            {
                "maxconn": max_connections(),
                "bind": self.bind,
                "port": self.port,
                "admin_socket": self.admin_socket,
                "tunnel_timeout": self.tunnel_timeout,
                "check_inter": self.check_inter,
                "check_fastinter": "500ms",
                "check_fall": 2,
                "check_rise": 2,
                "check_host": HOST,
                "max_body": max_body_bytes(self.env),
                "nodes": [
                    {"name": node.name, "host": node.host, "port": node.port}
                    for node in self.node_list
                ],
            }
        )

    def start_proxy(self) -> None:
        self.config_path.write_text(self.haproxy_config())
        checked = subprocess.run(  # noqa: S603 - our own command line
            [self.proxy.command[0], "-c", "-f", str(self.config_path)],
            capture_output=True,
            text=True,
        )
        if checked.returncode:
            raise ClusterError(
                f"HAProxy refused {self.config_path}:\n{checked.stdout}{checked.stderr}"
            )
        self.proxy.start(self.env)
        if not wait_for(lambda: port_open(self.port, self.bind) or not self.proxy.running(), 15):
            raise ClusterError(f"HAProxy did not open port {self.port}:\n{self.proxy.tail()}")
        if not self.proxy.running():
            raise ClusterError(f"HAProxy stopped:\n{self.proxy.tail()}")

    def status(self) -> dict[str, str]:
        return proxy_status(self.admin_socket)

    # The nodes

    def start_node(self, node: Node, wait: bool = True) -> None:
        node.start(self.env)
        if wait and not wait_for(lambda: port_open(node.port) or not node.running(), 60):
            raise ClusterError(f"{node.name} did not open port {node.port}:\n{node.tail()}")
        if not node.running():
            raise ClusterError(f"{node.name} stopped:\n{node.tail()}")

    def start(self) -> None:
        for node in self.node_list:
            node.start(self.env)
        for node in self.node_list:
            if not wait_for(lambda n=node: port_open(n.port) or not n.running(), 60):
                raise ClusterError(f"{node.name} did not open port {node.port}:\n{node.tail()}")
            if not node.running():
                raise ClusterError(f"{node.name} stopped:\n{node.tail()}")
        self.start_proxy()
        for helper in self.helpers:
            helper.start(self.env)

    def wait_all_up(self, timeout: float = 30) -> bool:
        """Whether HAProxy sees every node UP within `timeout` seconds."""
        names = {node.name for node in self.node_list}
        return wait_for(
            lambda: all(s == "UP" for n, s in self.status().items() if n in names), timeout
        )

    def stop(self, timeout: float = 15) -> None:
        """Every child, by its own pid: the helpers, the proxy, then the nodes (each given
        `timeout` seconds to finish, then killed)."""
        for child in [*self.helpers, self.proxy, *self.node_list]:
            child.stop(timeout)

    def supervise(self, say) -> None:
        """Until stopped by a signal: start again whatever dies (HAProxy dying ends the run)."""
        while True:
            time.sleep(0.5)
            if not self.proxy.running():
                raise ClusterError(f"HAProxy stopped:\n{self.proxy.tail()}")
            for child in [*self.node_list, *self.helpers]:
                if not child.running():
                    code = child.proc.returncode if child.proc else None
                    say(f"{child.name} exited ({code}); starting it again (log: {child.log_path})")
                    child.stop()
                    time.sleep(1)
                    child.restarts += 1
                    child.start(self.env)


def wait_for(condition, timeout: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(every)


# --- `make cluster` -----------------------------------------------------------------------------


def cluster_env(base: dict[str, str], port: int) -> dict[str, str]:
    """The environment of every process of the cluster."""
    env = dict(base)
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    env.setdefault("DJANGO_SETTINGS_MODULE", "collabhub.settings")
    env.setdefault("LOCAL_RUN", "1")
    env["PORT"] = str(port)
    # Behind the proxy: it sets X-Forwarded-Proto and appends the client to X-Forwarded-For.
    env.setdefault("SECURE_PROXY_SSL_HEADER", "1")
    env.setdefault("ALLAUTH_TRUSTED_PROXY_COUNT", "1")
    return env


def check_services(env: dict[str, str], say) -> None:
    """PostgreSQL reachable (the database created when missing) and Redis answering; a clear
    refusal otherwise."""
    import dj_database_url
    import psycopg
    import redis

    database = dj_database_url.parse(env["DATABASE_URL"])
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ClusterError(
            "make cluster needs PostgreSQL: the nodes share one database (SQLite has one writer "
            f"per file). DATABASE_URL is {env['DATABASE_URL']!r}; unset it for the local "
            f"default ({DEFAULT_DATABASE_URL})."
        )
    params = {
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "connect_timeout": 5,
    }
    params = {k: v for k, v in params.items() if v is not None}
    name = database["NAME"]
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                from psycopg import sql

                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                say(f"created the PostgreSQL database {name}")
    except psycopg.Error as exc:
        raise ClusterError(
            f"PostgreSQL is not reachable at {env['DATABASE_URL']}: {exc}".strip()
        ) from exc
    try:
        redis.Redis.from_url(env["REDIS_URL"], socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        raise ClusterError(f"Redis is not reachable at {env['REDIS_URL']}: {exc}") from exc


def prepare(env: dict[str, str], say) -> None:
    """What `make run` does before serving, once for all the nodes."""
    python = sys.executable
    steps = [
        ["check", "--database", "default", "--fail-level", "ERROR"],
        ["migrate", "--noinput", "--skip-checks"],
        ["seed_demo"],
        ["collectstatic", "--noinput", "--verbosity", "0"],
    ]
    for step in steps:
        say("manage.py " + " ".join(step))
        done = subprocess.run([python, "manage.py", *step], cwd=ROOT, env=env)  # noqa: S603
        if done.returncode:
            raise ClusterError(f"manage.py {step[0]} failed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=int(os.environ.get("NODES") or 0) or None)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    parser.add_argument(
        "--no-prepare", action="store_true", help="Skip migrate, seed_demo and collectstatic."
    )
    args = parser.parse_args(argv)
    nodes = args.nodes or os.cpu_count() or 1

    def say(text: str) -> None:
        print(f"cluster: {text}", flush=True)

    env = cluster_env(dict(os.environ), args.port)
    workdir = Path(env.get("VAR_DIR") or ROOT / "var") / "cluster"
    cluster = None

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        say(f"DATABASE_URL={env['DATABASE_URL']} REDIS_URL={env['REDIS_URL']}")
        check_services(env, say)
        if not args.no_prepare:
            prepare(env, say)
        cluster = Cluster(env=env, workdir=workdir, nodes=nodes, port=args.port)
        for node in cluster.node_list:
            if port_open(node.port):
                raise ClusterError(f"port {node.port} ({node.name}) is in use")
        cluster.start()
        if not cluster.wait_all_up(30):
            say(f"not every node passes its health check yet: {cluster.status()}")
        say(f"{nodes} nodes on ports {', '.join(str(p) for p in cluster.node_ports)}")
        say(f"serving http://{cluster.bind}:{args.port}/ through HAProxy; logs in {workdir}")
        say("Ctrl-C stops everything")
        cluster.supervise(say)
    except KeyboardInterrupt:
        say("stopping")
        return 0
    except ClusterError as exc:
        print(f"cluster: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if cluster is not None:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
