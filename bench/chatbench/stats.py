"""Percentiles, computed the same way as the floor's client (nearest rank)."""


def pct(sorted_vals: list[float], p: float):
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, round(p / 100.0 * len(sorted_vals) + 0.5) - 1))
    return sorted_vals[k]


def summary_ms(seconds: list[float]) -> dict:
    v = sorted(x * 1000.0 for x in seconds)
    if not v:
        return {"n": 0}
    return {
        "n": len(v),
        "p50": round(pct(v, 50), 3),
        "p95": round(pct(v, 95), 3),
        "p99": round(pct(v, 99), 3),
        "max": round(v[-1], 3),
        "mean": round(sum(v) / len(v), 3),
    }
