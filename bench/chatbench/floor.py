"""The bare Channels floor (../shared/bench-floor), run as its README says, in a scratch
folder under /tmp (never copied into the project): its own venv from its frozen requirements,
its own Redis on a spare port with nothing saved, stopped by its pid file at the end."""

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[3] / "shared" / "bench-floor"
SCRATCH = Path("/tmp/collabhub-bench-floor")  # noqa: S108 - a scratch copy, as its README says
REDIS_PORT = 6390  # run_all.py's fixed port


def _port_busy(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def prepare(log=print) -> Path:
    """Copy the floor into the scratch folder and build its venv (once; reused after)."""
    if not SOURCE.is_dir():
        raise RuntimeError(f"the floor is not at {SOURCE}")
    SCRATCH.mkdir(parents=True, exist_ok=True)
    for item in SOURCE.iterdir():
        target = SCRATCH / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy2(item, target)
    for path in SCRATCH.rglob("*"):
        if path.is_file() or path.is_dir():
            path.chmod(path.stat().st_mode | 0o200)
    venv = SCRATCH / "venv"
    if not (venv / "bin" / "daphne").exists():
        log("  building the floor's venv (once) ...")
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True, timeout=300)
        subprocess.run(
            [
                str(venv / "bin" / "pip"),
                "install",
                "-q",
                "-r",
                str(SCRATCH / "requirements-freeze.txt"),
            ],
            check=True,
            timeout=900,
        )
    return SCRATCH


def run(variants: list[str], ks: list[int], *, m: int, dur: float, idle: bool, log=print) -> dict:
    """run_all.py for the variants; returns {"<variant>_<mode>_<k>": result}."""
    scratch = prepare(log)
    if _port_busy(REDIS_PORT):
        raise RuntimeError(f"port {REDIS_PORT} is in use: the floor needs it for its Redis")
    started = time.time()
    out_dir = scratch / f"results-{int(started)}"
    pidfile = scratch / "redis.pid"
    pidfile.unlink(missing_ok=True)
    subprocess.run(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(REDIS_PORT),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--pidfile",
            str(pidfile),
            "--dir",
            str(scratch),
        ],
        check=True,
        timeout=30,
    )
    redis_pid = 0
    try:
        for _ in range(50):
            if pidfile.exists() and pidfile.read_text().strip():
                redis_pid = int(pidfile.read_text().strip())
                break
            time.sleep(0.1)
        cmd = [
            str(scratch / "venv" / "bin" / "python"),
            "run_all.py",
            "--only",
            *variants,
            "--ks",
            *map(str, ks),
            "--m",
            str(m),
            "--dur",
            str(dur),
            "--out",
            str(out_dir),
            "--redis-pid",
            str(redis_pid),
        ]
        if not idle:
            cmd.append("--skip-idle")
        log("  " + " ".join(cmd[1:]))
        proc = subprocess.run(cmd, cwd=scratch, capture_output=True, text=True, timeout=1800)
        for line in proc.stdout.splitlines():
            log("    " + line)
        if proc.returncode:
            log(proc.stderr[-2000:])
    finally:
        if redis_pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(redis_pid, signal.SIGTERM)
            for _ in range(50):  # the port free again for the next user (Server)
                if not _port_busy(REDIS_PORT):
                    break
                time.sleep(0.1)
    results = {}
    results["_logs"] = {
        Path(path).stem: _count(Path(path))
        for path in glob.glob(str(scratch / "logs" / "*.log"))
        if Path(path).stat().st_mtime >= started
    }
    for path in sorted(glob.glob(str(out_dir / "*.json"))):
        with open(path) as f:
            results[Path(path).stem] = json.load(f)
    results["_dir"] = str(out_dir)
    return results


def _count(path: Path) -> dict:
    from .stack import count_tracebacks

    try:
        return count_tracebacks(path.read_text(errors="replace"))
    except OSError:
        return {"tracebacks": 0, "errors": 0, "kinds": {}}


def logs_of(results: dict) -> dict:
    """The tracebacks in the logs of the floor's servers of this run, per run."""
    return results.get("_logs", {})


class Server:
    """The floor's Daphne (its own venv, proj/, the layer given) on a free loopback port with
    its own Redis on REDIS_PORT, for our client to drive as it drives CollabHub: the same
    open-loop ladder, closed loop and rate curve, the same code reading both (wsload.floor_body
    puts our mark in the floor's frame). Both stopped by their pids on exit."""

    def __init__(self, workdir: Path, layer: str = "pubsub", log=print):
        self.workdir = workdir
        self.layer = layer
        self.log = log
        self.proc = None
        self.redis_pid = 0
        self.port = 0

    def __enter__(self):
        scratch = prepare(self.log)
        if _port_busy(REDIS_PORT):
            raise RuntimeError(f"port {REDIS_PORT} is in use: the floor needs it for its Redis")
        pidfile = scratch / "redis-ours.pid"
        pidfile.unlink(missing_ok=True)
        subprocess.run(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(REDIS_PORT),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(pidfile),
                "--dir",
                str(scratch),
            ],
            check=True,
            timeout=30,
        )
        for _ in range(50):
            if pidfile.exists() and pidfile.read_text().strip():
                self.redis_pid = int(pidfile.read_text().strip())
                break
            time.sleep(0.1)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = dict(os.environ, LAYER=self.layer, REDIS_PORT=str(REDIS_PORT))
        env["DJANGO_SETTINGS_MODULE"] = "floor.settings"
        self.log_path = self.workdir / f"floor-daphne-{self.layer}.log"
        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [
                str(scratch / "venv" / "bin" / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "floor.asgi:application",
            ],
            cwd=scratch / "proj",
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        for _ in range(300):
            if _port_busy(self.port):
                break
            time.sleep(0.1)
        else:
            self.__exit__(None, None, None)
            raise RuntimeError("the floor's Daphne did not open its port")
        time.sleep(1.0)
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/room/"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def server_errors(self) -> dict:
        from .stack import count_tracebacks

        self.log_file.flush()
        try:
            return count_tracebacks(self.log_path.read_text(errors="replace"))
        except OSError:
            return {"tracebacks": 0, "errors": 0, "kinds": {}}

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc is not None:
            self.log_file.close()
        if self.redis_pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.redis_pid, signal.SIGTERM)
            for _ in range(50):
                if not _port_busy(REDIS_PORT):
                    break
                time.sleep(0.1)
        return False
