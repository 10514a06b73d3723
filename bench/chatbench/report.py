"""The printed figures: each measurement, the issue's targets, and our figures next to the
bare Channels floor measured in the same run (as ratios: ours / floor)."""


def _f(x, unit: str = "") -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        x = round(x, 1) if abs(x) >= 10 else round(x, 2)
    return f"{x:,}{unit}" if isinstance(x, int) else f"{x}{unit}"


# Fewest samples behind a printed percentile: below, the slot shows the maximum instead (the
# 99th percentile of 25 samples is their maximum, and says nothing about 1 in 100).
MIN_N = {"p95": 20, "p99": 100}


def lat(s: dict | None) -> str:
    """ "p50 10.9 / p95 15.2 / p99 20.8 / max 25.1 (n=1,200)"; with fewer than 100 samples no
    p99 (with fewer than 20, no p95): "p50 10.9 / max 25.1 (n=25)"."""
    if not s or not s.get("n"):
        return "- (n=0)"
    n = s["n"]
    parts = [f"p50 {_f(s.get('p50'))}"]
    for key in ("p95", "p99"):
        if n >= MIN_N[key]:
            parts.append(f"{key} {_f(s.get(key))}")
    parts.append(f"max {_f(s.get('max'))}")
    return " / ".join(parts) + f" (n={n:,})"


_lat = lat


def tail(s: dict | None) -> tuple[str, float | None]:
    """The highest percentile the samples support: ("p99", v) from 100 samples up, else
    ("max", v)."""
    if not s or not s.get("n"):
        return "p99", None
    if s["n"] >= MIN_N["p99"]:
        return "p99", s.get("p99")
    return "max", s.get("max")


def tail_text(s: dict | None, unit: str = " ms") -> str:
    key, v = tail(s)
    n = (s or {}).get("n", 0)
    return f"{key} {_f(v, unit)} (n={n:,})"


def _table(log, head: list[str], rows: list[list]) -> None:
    cells = [head] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    log(line.format(*head))
    log("  ".join("-" * w for w in widths))
    for r in cells[1:]:
        log(line.format(*r))


def _ratio(a, b) -> str:
    if a is None or not b:
        return "-"
    return f"{a / b:.2f}x"


def _kib(status_value: str | None) -> int | None:
    if not status_value:
        return None
    return int(status_value.split()[0])


def _errors_banner(r: dict, log) -> None:
    """Loud when our servers logged any error; the floor's own servers' errors (its core Redis
    layer fails with 1,000 sockets, see its README) are said, not shouted."""
    rows = r.get("server_errors") or []

    def count(x: dict) -> int:
        return x.get("errors", x.get("tracebacks", 0))

    ours = [x for x in rows if not x["server"].startswith("floor") and count(x)]
    floors = [x for x in rows if x["server"].startswith("floor") and count(x)]
    if ours:
        total = sum(count(x) for x in ours)
        where = ", ".join(f"{x['server']} / {x['phase']}: {count(x)}" for x in ours)
        log("!" * 100)
        log(
            f"!! {total} SERVER ERROR(S) (tracebacks, asyncio errors, consumers Daphne killed) "
            f"in OUR servers' logs: {where}"
        )
        log("!! See section H and the logs in " + str(r.get("workdir")))
        log("!" * 100)
    elif rows:
        log("Our servers' logs: no traceback in any of the phases read (section H).")
    if floors:
        log(
            "The floor's servers logged "
            + ", ".join(f"{count(x)} in {x['phase']}" for x in floors)
            + " (section H)."
        )


def _cpu(c: dict | None, keys=("daphne", "postgres", "redis", "client", "rest")) -> str:
    if not c:
        return "-"
    return "/".join(str(c.get(k)) for k in keys)


def print_report(r: dict, cfg: dict, log) -> None:
    live = r["live"]
    big = r["big"]
    fl = r["flood"]
    floor = r.get("floor", {})
    fo_ours = r.get("floor_ours") or {}

    _errors_banner(r, log)
    log(
        f"Mode {r['mode']}; client loop {r['client_loop']}; DB_CONN_MAX_AGE={r['conn_max_age']}; "
        f"run took {r['elapsed_s']} s; seeding "
        + ", ".join(f"{k} {v} s" for k, v in r["seed_s"].items())
    )
    log(
        "Machine busy before measuring (% of one core, other processes): "
        + ", ".join(f"{k} {v}" for k, v in r.get("machine_busy_pct", {}).items())
        + ". CPU columns: % of one core; 'rest' = everything else on the machine, including "
        "PostgreSQL backends that exited during the phase."
    )
    log(
        "Latencies in ms: p50 / p95 / p99 / max (n = samples behind them). No p99 is printed "
        f"from fewer than {MIN_N['p99']} samples, nor a p95 from fewer than {MIN_N['p95']}: "
        "the maximum stands in."
    )

    # Pages
    log(
        "\nA. Server time of pages (ms over loopback). Chat page: "
        f"{cfg['page_n']} requests after {cfg['page_warmup']} warm-up. History (?before=<id>, "
        "the htmx partial): 15 distinct pages around the middle, first request each (cold: "
        f"messages rendered) and {cfg['page_n']} repeats (warm: render cache)"
    )
    pg = live["pages"]
    base = pg.get("history-1k", {})

    def vs(p: dict, key: str) -> str:
        return _ratio(p[key].get("p50"), base.get(key, {}).get("p50"))

    rows = []
    for name, p in pg.items():
        rows.append(
            [
                name,
                f"{p['messages']:,}",
                p["members"],
                lat(p["page"]),
                vs(p, "page"),
                lat(p["history_cold"]),
                vs(p, "history_cold"),
                lat(p["history_warm"]),
                vs(p, "history_warm"),
            ]
        )
    _table(
        log,
        [
            "collab",
            "messages",
            "members",
            "chat page /collabs/<id>/",
            "vs 1k",
            "history, cold",
            "vs 1k",
            "history, warm",
            "vs 1k",
        ],
        rows,
    )

    def _kb(n) -> str:
        return "-" if n is None else f"{n / 1000:.1f} KB"

    weights = [(name, p["weight"]) for name, p in pg.items() if p.get("weight")]
    if weights:
        log(
            "\n   HTML weight (bytes of the body; gzip = as a browser gets it, Accept-Encoding: "
            "gzip, '-' when the server did not compress)"
        )
        _table(
            log,
            [
                "collab",
                "chat page: messages",
                "raw",
                "gzip",
                "history page: messages",
                "raw",
                "gzip",
            ],
            [
                [
                    name,
                    w["page"]["messages"],
                    _kb(w["page"]["raw"]),
                    _kb(w["page"]["gzip"]),
                    w["history"]["messages"],
                    _kb(w["history"]["raw"]),
                    _kb(w["history"]["gzip"]),
                ]
                for name, w in weights
            ],
        )

    # Latency
    log(
        "\nB. Send-to-receive latency, one message in flight (closed loop: the next message "
        f"once every receiver has this one; {cfg['lat_warmup']} warm-up + {cfg['lat_m']} "
        "measured; 'all deliveries' counts each receiver's frame)"
    )
    rows = []
    for label, x in live["latency"].items():
        rows.append(
            [
                label,
                f"{x['members']}/{x['history']:,}",
                lat(x["last_ms"]),
                lat(x["all_ms"]),
                _f(x["first_ms"].get("p50")),
                _f(x["ack_ms"].get("p50")),
                f"{x['timeouts']}" + (" (aborted)" if x.get("aborted") else ""),
                _cpu(x["cpu_pct"]),
            ]
        )
    _table(
        log,
        [
            "case",
            "members/history",
            "to the last receiver",
            "all deliveries",
            "first p50",
            "ack p50",
            "timeouts",
            "CPU% daphne/pg/redis/client/rest",
        ],
        rows,
    )

    # Rate: open loop, ours and the floor with the same client
    floor_steps = fo_ours.get("rate_steps") or []
    log(
        "\nC1. Open loop: messages sent at a fixed rate whatever comes back, "
        f"{cfg['rate_dur']:g} s per step, 4 senders in turn, 10 receivers; the same client "
        "and ladder against ours "
        "and against the floor's server (pub/sub layer). ok = every receiver got every message, "
        "no error, and delivery kept pace (>= 95% of the rate); late/lost = not yet at every "
        f"receiver {cfg.get('drain', 5):g} s after the last send"
    )
    for title, steps, cpu_keys in (
        ("ours", live["rate_steps"], ("daphne", "postgres", "redis", "rest")),
        ("floor (pub/sub)", floor_steps, ("daphne", "redis", "rest")),
    ):
        if not steps:
            log(f"  {title}: not run")
            continue
        rows = []
        for s in sorted(steps, key=lambda s: s["rate"]):
            rows.append(
                [
                    title,
                    s["rate"],
                    s["offered_per_s"],
                    s["delivered_per_s"],
                    s["sent"],
                    s["lost"],
                    s["errors"],
                    lat(s["last_ms"]),
                    _cpu(s["cpu_pct"], cpu_keys),
                    "ok" if s["ok"] else "FAIL",
                ]
            )
        _table(
            log,
            [
                "server",
                "msg/s",
                "offered",
                "delivered/s",
                "sent",
                "late/lost",
                "errors",
                "latency to the last receiver",
                "CPU% " + "/".join(k.replace("daphne", "server") for k in cpu_keys),
                "",
            ],
            rows,
        )
    best_rate = max((s["rate"] for s in live["rate_steps"] if s["ok"]), default=0)
    best_floor = max((s["rate"] for s in floor_steps if s["ok"]), default=None)

    def at_top(steps) -> str:
        # Every step passed: the ladder ended before the server did.
        return (
            " (every step passed: at least that)" if steps and all(s["ok"] for s in steps) else ""
        )

    log(
        f"Highest open-loop rate with zero loss: ours {best_rate} msg/s"
        f"{at_top(live['rate_steps'])}; floor {_f(best_floor)} msg/s{at_top(floor_steps)}"
        + (f" (ours / floor {_ratio(best_rate, best_floor)})" if best_floor else "")
    )

    # Closed loop
    w_ours = live.get("windowed") or {}
    w_floor = fo_ours.get("windowed") or {}
    f10 = floor.get("daphne-pubsub_fanout_10") or {}
    own = (f10.get("windowed") or {}) if isinstance(f10, dict) else {}
    log(
        f"\nC2. Closed loop: at most {cfg.get('window', 50)} messages in flight (sent, not yet at "
        f"every receiver) for {cfg['rate_dur']:g} s; msg/s = messages delivered to every "
        "receiver per second. The floor's own client measures its msg/s this way (1 sender, "
        "10 receivers)"
    )
    rows = []
    for title, x in (
        ("ours, our client (4 senders, 10 receivers)", w_ours),
        ("floor pub/sub, our client (4 senders, 10 receivers)", w_floor),
    ):
        if x:
            rows.append(
                [
                    title,
                    _f(x.get("delivered_per_s")),
                    x.get("sent"),
                    x.get("lost"),
                    lat(x.get("last_ms")),
                ]
            )
    if own:
        rows.append(
            [
                "floor pub/sub, its own client (1 sender, 10 receivers)",
                _f(own.get("delivered_msgs_per_s")),
                own.get("sent"),
                own.get("msgs_not_fully_delivered"),
                lat(own.get("last_ms_under_load")),
            ]
        )
    _table(log, ["closed loop", "msg/s", "sent", "lost", "latency to the last receiver"], rows)
    if w_ours.get("delivered_per_s") and w_floor.get("delivered_per_s"):
        log(
            f"Closed-loop msg/s, same client: ours / floor "
            f"{_ratio(w_ours['delivered_per_s'], w_floor['delivered_per_s'])}"
        )

    # Latency against the send rate
    curve = live.get("curve") or []
    fcurve = {x["rate"]: x for x in fo_ours.get("curve") or []}
    if curve:
        log(
            f"\nC3. Latency against the send rate: open loop, {cfg['curve_n']} messages at each "
            "rate (4 senders in turn, 10 receivers), ours and the floor's server with the same "
            "client"
        )
        rows = []
        for x in curve:
            fx = fcurve.get(x["rate"], {})
            rows.append(
                [
                    x["rate"],
                    lat(x["last_ms"]),
                    x["lost"],
                    x["cpu_pct"].get("daphne"),
                    lat(fx.get("last_ms")),
                    fx.get("lost", "-"),
                    (fx.get("cpu_pct") or {}).get("daphne", "-"),
                    _ratio(x["last_ms"].get("p50"), (fx.get("last_ms") or {}).get("p50")),
                ]
            )
        _table(
            log,
            [
                "msg/s",
                "ours: to the last receiver",
                "lost",
                "CPU%",
                "floor: to the last receiver",
                "lost",
                "CPU%",
                "p50 ratio",
            ],
            rows,
        )

    # Big collab and memory
    fo = big.get("fanout", {})
    log(f"\nD. {big['n']} connected members (fresh Daphne)")
    settle = big.get("settle_readings_pct")
    idle_how = (
        f"read over {big.get('idle_window_s')} s after {big.get('settle_s')} s of settling "
        f"(server CPU per second while settling: {', '.join(map(str, settle))}%)"
        if settle is not None
        else "read over the 3 s after the sockets opened"
    )
    log(
        f"  RSS baseline {big['rss_baseline_kib'] / 1024:.1f} MiB -> with {big['n']} idle "
        f"sockets {big['rss_idle_kib'] / 1024:.1f} MiB ({big['per_socket_kib']} KiB per socket); "
        f"opened in {big['open_s']} s; connect retries {big['connect_retries']}"
    )
    if big.get("open_failed"):
        log(
            f"  !! {big['open_failed']} sockets could not be opened (after retries): "
            + "; ".join(big.get("open_errors", []))
        )
    log(f"  idle CPU {big['idle_cpu_pct']}% of a core, {idle_how}")
    log(
        f"  one message to {fo.get('k')} others, {fo.get('messages')} times: to the last "
        f"{lat(fo.get('last_ms'))} ms; first p50 {_f(fo.get('first_ms', {}).get('p50'))} ms; "
        f"timeouts {fo.get('timeouts')}; Daphne CPU {fo.get('cpu_pct', {}).get('daphne')}%; "
        f"RSS after {big['rss_after_fanout_kib'] / 1024:.1f} MiB"
    )

    # Flood
    fd = fl.get("flooder", {})
    base_f, during = fl["baseline"], fl["during"]
    log(
        f"\nE. Flood, default limits: {fl.get('senders')} members send {fl.get('rate'):g} msg/s "
        f"between them and {fl.get('receivers')} read, {fl.get('n_msgs')} messages alone "
        "(baseline), then the same number while other members flood one after another (each "
        "as fast as it can until the server cuts it off; the next, already connected, takes "
        "over; the cut one reconnects and queues again), from a process of their own"
    )
    if fd:
        stored = fd.get("stored")
        log(
            f"  flood lasted {fd.get('flood_s')} s (the others' sending took "
            f"{during.get('send_s')} s); {fd.get('flooders_used')} turns by {fd.get('pool')} "
            f"members ({fd.get('reconnects')} reconnects, {fd.get('reconnect_failures')} failed); "
            f"waited {fd.get('waited_for_a_flooder_s')} s in all for a connected flooder"
        )
        log(
            f"  flooders sent {fd.get('frames'):,} frames: {stored} messages stored, "
            f"{fd.get('acks')} acks received"
            + (
                f" ({stored - fd['acks']} stored without an ack)"
                if stored is not None and stored > fd.get("acks", 0)
                else ""
            )
            + f", {fd.get('error_frames')} refusals (error frames); cut off by: "
            + ", ".join(f"{k} {v}" for k, v in fd.get("cut_by", {}).items())
            + f"; closed by the server {fd.get('closed_by_server')} times (codes "
            + (", ".join(f"{k}: {v}" for k, v in fd.get("close_codes", {}).items()) or "-")
            + f"); a flooder lasted {lat(fd.get('cut_after_ms'))} ms"
        )
        if stored and not fd.get("acks") and fd.get("closed_by_server"):
            log(
                "  (the frame guard closes a flooder within its first second, before its sends "
                "are stored: the acks and refusals of a closed socket are dropped; a page "
                "catches up on what it sent by its hello when it reconnects)"
            )
    rows = []
    for label, x in (("baseline", base_f), ("during the flood", during)):
        rows.append(
            [
                label,
                x["sent"],
                x["lost"],
                x["errors"],
                lat(x["last_ms"]),
                lat(x.get("all_ms")),
                _cpu(x.get("cpu_pct"), ("daphne", "postgres", "redis", "client", "rest")),
            ]
        )
    _table(
        log,
        [
            "others' messages",
            "sent",
            "late/lost",
            "errors",
            "to the last receiver",
            "all deliveries",
            "CPU% daphne/pg/redis/client/rest",
        ],
        rows,
    )
    log(f"  RSS after {fl['rss_after_kib'] / 1024:.1f} MiB")

    for label, x in [*live["latency"].items(), ("fan-out", fo)]:
        if x.get("aborted"):
            log(f"  {label} stopped early: {x['aborted']}")

    # Profiles (--profile)
    from .profile import print_summary

    for label, x in live["latency"].items():
        if x.get("profile"):
            print_summary(f"server during latency {label}", x["profile"], log)
    if live.get("rate_profile"):
        print_summary("server during the paced-rate steps", live["rate_profile"], log)

    # Targets
    lat_ = live["latency"]
    k10 = lat_.get("K=10", {}).get("last_ms", {})
    k100 = lat_.get("K=100", {}).get("last_ms", {})
    page_ratios = [
        (name, p["page"]["p50"] / base["page"]["p50"])
        for name, p in pg.items()
        if name.startswith("history-") and name != "history-1k" and base
    ]
    big_ok = (
        fo.get("timeouts") == 0
        and not big.get("open_failed")
        and (fo.get("last_ms", {}).get("p50") or 1e9) <= 400
    )
    flood_cut = bool(fd) and (fd.get("error_frames", 0) > 0 or fd.get("closed_by_server", 0) > 0)
    rss_mib = big["rss_idle_kib"] / 1024

    def met(ok: bool) -> str:
        return "met" if ok else "NOT MET"

    def le(v, limit) -> bool:
        return v is not None and v <= limit

    def p50_row(label, s, limit):
        return [
            label,
            f"<= {limit} ms",
            f"{_f(s.get('p50'), ' ms')} (n={s.get('n', 0):,})",
            met(le(s.get("p50"), limit)),
        ]

    def tail_row(label, s, limit, extra_ok=True):
        # From fewer than 100 samples the p99 is judged by their maximum, and says so.
        key, v = tail(s)
        verdict = met(le(v, limit) and extra_ok)
        if key == "max":
            verdict += f" (by the max: n < {MIN_N['p99']})"
        return [label, f"<= {limit} ms", tail_text(s), verdict]

    rows = [
        p50_row("delivery K=10 p50", k10, 10),
        tail_row("delivery K=10 p99", k10, 30),
        p50_row("delivery K=100 p50", k100, 40),
        tail_row("delivery K=100 p99", k100, 120),
        [
            "zero-loss rate, 10 members (open loop)",
            ">= 200 msg/s",
            f"{best_rate} msg/s",
            met(best_rate >= 200),
        ],
        [
            f"{big['n']}-member collab, last p50",
            "<= 400 ms, works",
            f"{_f(fo.get('last_ms', {}).get('p50'), ' ms')}, timeouts {fo.get('timeouts')}",
            met(big_ok) + ("" if big["n"] >= 1000 else " (quick: fewer members)"),
        ],
        [
            "flooders cut off",
            "rate limited",
            f"{fd.get('error_frames')} refusals, {fd.get('closed_by_server')} closed",
            met(flood_cut),
        ],
        tail_row("others' p99 during flood", during["last_ms"], 100, during["lost"] == 0),
    ]
    for name, ratio in page_ratios:
        label = f"chat page {name.removeprefix('history-')} vs 1k (p50)"
        rows.append([label, "<= 1.3x", _f(ratio, "x"), met(le(ratio, 1.3))])
    grown = (big["rss_idle_kib"] - big["rss_baseline_kib"]) / 1024
    rows.append(
        [
            f"RSS with {big['n']} idle sockets",
            "<= 150 MB",
            f"{rss_mib:.1f} MiB (+{grown:.1f})",
            met(rss_mib * 1.048576 <= 150) + ("" if big["n"] >= 1000 else " (quick)"),
        ]
    )
    n_err = sum(
        x.get("errors", 0)
        for x in r.get("server_errors") or []
        if not x["server"].startswith("floor")
    )
    rows.append(["our servers' tracebacks, all phases", "0", str(n_err), met(n_err == 0)])
    log(
        "\nF. Targets (issue 3; one Daphne process, 2 cores shared with PostgreSQL, Redis and "
        "the client)"
    )
    _table(log, ["figure", "target", "ours", ""], rows)

    _floor_section(r, floor, k10, k100, best_rate, best_floor, big, fo, rss_mib, log)
    _errors_section(r, log)
    _errors_banner(r, log)


def _errors_section(r: dict, log) -> None:
    rows = r.get("server_errors") or []
    log(
        "\nH. Server errors per phase in each server's log: tracebacks, asyncio's 'Task was "
        "destroyed' and Daphne's 'took too long to shut down and was killed'"
    )
    if not rows:
        log("  none read")
        return
    _table(
        log,
        ["server", "phase", "errors", "what"],
        [
            [
                x["server"],
                x["phase"],
                x.get("errors", x.get("tracebacks", 0)),
                "; ".join(f"{n} x {k}" for k, n in x.get("kinds", {}).items()) or "-",
            ]
            for x in rows
        ],
    )


def _floor_section(r, floor, k10, k100, best_rate, best_floor, big, fo, rss_mib, log) -> None:
    log(
        "\nG. Against the bare Channels floor, measured in this run (ratio = ours / floor; "
        "latencies from the floor's own client, one message in flight)"
    )
    if not floor or "_error" in floor:
        log(f"  floor not run: {floor.get('_error', 'skipped') if floor else 'skipped'}")
        return
    rows = []
    variants = [
        v
        for v in ("redis", "pubsub", "inmemory")
        if any(k.startswith(f"daphne-{v}_") for k in floor)
    ]

    def fget(variant: str, mode: str, k: int):
        return floor.get(f"daphne-{variant}_{mode}_{k}")

    for k, ours in ((10, k10), (100, k100)):
        for key in ("p50", "p99"):
            ok_ours = key != "p99" or ours.get("n", 0) >= MIN_N["p99"]
            shown = key if ok_ours else "max"
            row = [
                f"last receiver K={k} {shown} (ms)",
                f"{_f(ours.get(shown))} (n={ours.get('n', 0)})",
            ]
            for variant in variants:
                f = fget(variant, "fanout", k)
                s = f["latency"]["last_ms"] if f else {}
                fshown = shown if (shown != "p99" or s.get("n", 0) >= MIN_N["p99"]) else "max"
                v = s.get(fshown)
                row += [
                    f"{_f(v)} (n={s.get('n', 0)})" if f else "-",
                    _ratio(ours.get(shown), v) if fshown == shown else "-",
                ]
            rows.append(row)
    row = ["open-loop zero-loss msg/s, same client and ladder", _f(best_rate)]
    for variant in variants:
        v = best_floor if variant == "pubsub" else None
        row += [_f(v), _ratio(best_rate, v)]
    rows.append(row)
    w_ours = (r["live"].get("windowed") or {}).get("delivered_per_s")
    w_floor = ((r.get("floor_ours") or {}).get("windowed") or {}).get("delivered_per_s")
    row = ["closed-loop msg/s (window), same client", _f(w_ours)]
    for variant in variants:
        v = w_floor if variant == "pubsub" else None
        row += [_f(v), _ratio(w_ours, v)]
    rows.append(row)
    row = ["RSS per idle socket (KiB)", _f(big["per_socket_kib"])]
    row_total = [f"RSS with {big['n']} idle sockets (MiB)", _f(rss_mib)]
    row_big = [f"1-to-{big['n'] - 1} last p50 (ms)", _f(fo.get("last_ms", {}).get("p50"))]
    for variant in variants:
        f = fget(variant, "idle", 1000)
        if f:
            b = _kib(f["server_status_baseline"].get("VmRSS"))
            i = _kib(f["server_status_idle_n"].get("VmRSS"))
            per = (i - b) / f["n"] if b and i else None
            row += [_f(per), _ratio(big["per_socket_kib"], per)]
            row_total += [_f(i / 1024 if i else None), _ratio(rss_mib, i / 1024 if i else None)]
            if "latency" in f:
                v = f["latency"]["last_ms"].get("p50")
                row_big += [_f(v), _ratio(fo.get("last_ms", {}).get("p50"), v)]
            else:
                error = f.get("latency_error", "?").split(":")[0]
                row_big += [f"failed ({error})", "-"]
        else:
            row += ["-", "-"]
            row_total += ["-", "-"]
            row_big += ["-", "-"]
    rows += [row, row_total, row_big]
    header = ["figure", "ours"]
    for variant in variants:
        header += [f"floor {variant}", "ratio"]
    _table(log, header, rows)
    log(
        "  The floor's open- and closed-loop msg/s above are measured by our client against the "
        "floor's pub/sub server (C1, C2), not by the floor's client."
    )
    log(f"  floor results: {floor.get('_dir')}")
