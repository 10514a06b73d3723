"""The printed figures: each measurement, the issue's targets, and our figures next to the
bare Channels floor measured in the same run (as ratios: ours / floor)."""


def _f(x, unit: str = "") -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        x = round(x, 1) if abs(x) >= 10 else round(x, 2)
    return f"{x:,}{unit}" if isinstance(x, int) else f"{x}{unit}"


def _lat(s: dict) -> str:
    if not s or not s.get("n"):
        return "-"
    return " / ".join(_f(s.get(k)) for k in ("p50", "p95", "p99", "max"))


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


def print_report(r: dict, cfg: dict, log) -> None:
    live = r["live"]
    big = r["big"]
    fl = r["flood"]
    floor = r.get("floor", {})

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

    # Pages
    log(
        "\nA. Server time of pages (ms over loopback, p50 / p95 / p99 / max). Chat page: "
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
                _lat(p["page"]),
                vs(p, "page"),
                _lat(p["history_cold"]),
                vs(p, "history_cold"),
                _lat(p["history_warm"]),
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
        "\nB. Send-to-receive latency, one message in flight (ms, p50 / p95 / p99 / max; "
        f"{cfg['lat_warmup']} warm-up + {cfg['lat_m']} measured)"
    )
    rows = []
    for label, x in live["latency"].items():
        cpu = x["cpu_pct"]
        rows.append(
            [
                label,
                f"{x['members']}/{x['history']:,}",
                _lat(x["last_ms"]),
                _lat(x["all_ms"]),
                _f(x["first_ms"].get("p50")),
                _f(x["ack_ms"].get("p50")),
                f"{x['timeouts']}" + (" (aborted)" if x.get("aborted") else ""),
                f"{cpu['daphne']}/{cpu['postgres']}/{cpu['redis']}/{cpu['client']}/{cpu['rest']}",
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

    # Rate
    log(
        f"\nC. Paced sending, 10 receivers, {cfg['rate_dur']:g} s per step (ok = every receiver "
        "got every message, no error, and delivery kept pace: >= 95% of the rate; late/lost = "
        "messages not yet at every receiver 5 s after the last send)"
    )
    rows = []
    for s in sorted(live["rate_steps"], key=lambda s: s["rate"]):
        cpu = s["cpu_pct"]
        rows.append(
            [
                s["rate"],
                s["offered_per_s"],
                s["delivered_per_s"],
                s["sent"],
                s["lost"],
                s["errors"],
                _lat(s["last_ms"]),
                f"{cpu['daphne']}/{cpu['postgres']}/{cpu['redis']}/{cpu['rest']}",
                "ok" if s["ok"] else "FAIL",
            ]
        )
    _table(
        log,
        [
            "msg/s",
            "offered",
            "delivered/s",
            "sent",
            "late/lost",
            "errors",
            "latency to last p50/p95/p99/max",
            "CPU% daphne/pg/redis/rest",
            "",
        ],
        rows,
    )
    best_rate = max((s["rate"] for s in live["rate_steps"] if s["ok"]), default=0)
    log(f"Highest rate with zero loss: {best_rate} msg/s")

    # Big collab and memory
    fo = big.get("fanout", {})
    log(f"\nD. {big['n']} connected members (fresh Daphne)")
    log(
        f"  RSS baseline {big['rss_baseline_kib'] / 1024:.1f} MiB -> with {big['n']} idle "
        f"sockets {big['rss_idle_kib'] / 1024:.1f} MiB ({big['per_socket_kib']} KiB per socket); "
        f"opened in {big['open_s']} s; idle CPU {big['idle_cpu_pct']}%; "
        f"connect retries {big['connect_retries']}"
    )
    log(
        f"  one message to {fo.get('k')} others, {fo.get('messages')} times: to the last "
        f"{_lat(fo.get('last_ms'))} ms; first p50 {_f(fo.get('first_ms', {}).get('p50'))} ms; "
        f"timeouts {fo.get('timeouts')}; Daphne CPU {fo.get('cpu_pct', {}).get('daphne')}%; "
        f"RSS after {big['rss_after_fanout_kib'] / 1024:.1f} MiB; tracebacks in the server log "
        f"{big['server_errors_in_log']}"
    )

    # Flood
    fd = fl["flooder"]
    log(
        f"\nE. Flood, default limits ({cfg['flood_dur']:g} s quiet, then {cfg['flood_dur']:g} s "
        f"with one member flooding; ten others send {cfg['flood_rate']:g} msg/s, ten read)"
    )
    log(
        f"  flooder: sent {fd['sent']:,} frames in {fd['send_s']} s, {fd['accepted']} accepted, "
        f"{fd['error_frames']} error frames (first after {_f(fd['first_error_after_s'])} s), "
        f"closed by the server with code {fd['close_code']} after {_f(fd['closed_after_s'])} s"
    )
    log(f"  error text: {fd['last_error']!r}")
    rows = []
    for label in ("baseline", "during"):
        x = fl[label]
        rows.append([label, x["sent"], x["lost"], x["errors"], _lat(x["last_ms"])])
    _table(
        log,
        ["others' messages", "sent", "late/lost", "errors", "to the last p50/p95/p99/max"],
        rows,
    )
    log(
        f"  Daphne CPU over both windows {fl['cpu_pct']['daphne']}%, RSS after "
        f"{fl['rss_after_kib'] / 1024:.1f} MiB"
    )

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
    lat = live["latency"]
    k10 = lat.get("K=10", {}).get("last_ms", {})
    k100 = lat.get("K=100", {}).get("last_ms", {})
    page_ratios = [
        (name, p["page"]["p50"] / base["page"]["p50"])
        for name, p in pg.items()
        if name.startswith("history-") and name != "history-1k" and base
    ]
    big_ok = fo.get("timeouts") == 0 and (fo.get("last_ms", {}).get("p50") or 1e9) <= 400
    during = fl["during"]
    flood_cut = fd["error_frames"] > 0 or fd["close_code"] is not None
    rss_mib = big["rss_idle_kib"] / 1024

    def met(ok: bool) -> str:
        return "met" if ok else "NOT MET"

    def le(v, limit) -> bool:
        return v is not None and v <= limit

    rows = [
        ["delivery K=10 p50", "<= 10 ms", _f(k10.get("p50"), " ms"), met(le(k10.get("p50"), 10))],
        ["delivery K=10 p99", "<= 30 ms", _f(k10.get("p99"), " ms"), met(le(k10.get("p99"), 30))],
        [
            "delivery K=100 p50",
            "<= 40 ms",
            _f(k100.get("p50"), " ms"),
            met(le(k100.get("p50"), 40)),
        ],
        [
            "delivery K=100 p99",
            "<= 120 ms",
            _f(k100.get("p99"), " ms"),
            met(le(k100.get("p99"), 120)),
        ],
        ["zero-loss rate, 10 members", ">= 200 msg/s", f"{best_rate} msg/s", met(best_rate >= 200)],
        [
            f"{big['n']}-member collab, last p50",
            "<= 400 ms, works",
            f"{_f(fo.get('last_ms', {}).get('p50'), ' ms')}, timeouts {fo.get('timeouts')}",
            met(big_ok) + ("" if big["n"] >= 1000 else " (quick: fewer members)"),
        ],
        [
            "flooder cut off",
            "rate limited",
            f"{fd['error_frames']} errors, close {fd['close_code']}",
            met(flood_cut),
        ],
        [
            "others' p99 during flood",
            "<= 100 ms",
            _f(during["last_ms"].get("p99"), " ms"),
            met(le(during["last_ms"].get("p99"), 100) and during["lost"] == 0),
        ],
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
    log(
        "\nF. Targets (issue 3; one Daphne process, 2 cores shared with PostgreSQL, Redis and "
        "the client)"
    )
    _table(log, ["figure", "target", "ours", ""], rows)

    # Floor
    log("\nG. Against the bare Channels floor, measured in this run (ratio = ours / floor)")
    if not floor or "_error" in floor:
        log(f"  floor not run: {floor.get('_error', 'skipped') if floor else 'skipped'}")
        return
    rows = []
    # The layers the floor measured, in the order of the table.
    variants = [
        v
        for v in ("redis", "pubsub", "inmemory")
        if any(k.startswith(f"daphne-{v}_") for k in floor)
    ]

    def fget(variant: str, mode: str, k: int):
        return floor.get(f"daphne-{variant}_{mode}_{k}")

    for k, ours in ((10, k10), (100, k100)):
        for key in ("p50", "p99"):
            row = [f"last receiver K={k} {key} (ms)", _f(ours.get(key))]
            for variant in variants:
                f = fget(variant, "fanout", k)
                v = f["latency"]["last_ms"].get(key) if f else None
                row += [_f(v), _ratio(ours.get(key), v)]
            rows.append(row)
    row = ["max msg/s to 10 members", _f(best_rate)]
    for variant in variants:
        f = fget(variant, "fanout", 10)
        v = f["windowed"]["delivered_msgs_per_s"] if f and "windowed" in f else None
        row += [_f(v), _ratio(best_rate, v)]
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
    log(f"  floor results: {floor.get('_dir')}")
