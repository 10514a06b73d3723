"""Limits on an action per user (sending messages, inviting people) or per client address
(opening invitation pages): counts in fixed windows kept in the cache (Redis in production, so
across processes). Each feature names its action and passes its limits as (count, seconds)
pairs; `who` is a user's id or a client address (client_address).

On Redis both windows are checked and counted by one script (one round trip, atomic: two
sockets of one user cannot both slip under the limit); other caches go through the cache API.
"""

import contextlib
import ipaddress
import time

from django.core.cache.backends.redis import RedisCache

from .caching import shared_cache

# KEYS: one counter per window; ARGV: limit and time-to-live of each, in the same order.
# Returns 0 and counts the action in every window, or the 1-based number of the first window
# that is full (counting nothing: a refused attempt costs nothing, so waiting is enough).
_HIT = """
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2 * i - 1]) then
    return i
  end
end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('EXPIRE', key, ARGV[2 * i])
  end
end
return 0
"""
_REFUND = """
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then
    redis.call('DECR', key)
  end
end
return 0
"""
_scripts: dict = {}


Limits = list[tuple[int, int]]


def client_address(request) -> str:
    """The client's address as allauth's sign-in limits see it (its adapter reads REMOTE_ADDR,
    or X-Forwarded-For behind ALLAUTH_TRUSTED_PROXY_COUNT proxies), with an IPv6 address cut to
    its /64: one machine usually holds a whole /64, so counting single addresses would let it
    count afresh from each."""
    from allauth.account.adapter import get_adapter

    address = get_adapter(request).get_client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def _windows(who: int | str, action: str, limits: Limits, now: int):
    """(key, limit, seconds, window number) of each limit at `now`."""
    out = []
    for count, seconds in limits:
        window = now // seconds
        out.append((f"rl:{action}:{who}:{seconds}:{window}", count, seconds, window))
    return out


def _redis_script(name: str, source: str):
    """The registered script on the cache's Redis, or None when the cache is not Redis."""
    backend = shared_cache()
    if not isinstance(backend, RedisCache):
        return None, None
    client = backend._cache.get_client(write=True)
    key = (name, id(client.connection_pool))
    if key not in _scripts:
        _scripts[key] = client.register_script(source)
    return _scripts[key], backend


def hit(who: int | str, action: str, limits: Limits) -> int:
    """Count one action of `who` (a user's id or a client address); return 0 when allowed, or
    the seconds to wait when over a limit (the refused attempt is not counted, so waiting is
    enough)."""
    now = int(time.time())
    windows = _windows(who, action, limits, now)
    script, backend = _redis_script("hit", _HIT)
    if script is not None:
        keys = [backend.make_and_validate_key(key) for key, *_ in windows]
        args = []
        for _key, count, seconds, _window in windows:
            args += [count, seconds + 1]
        full = script(keys=keys, args=args)
        if not full:
            return 0
        _key, _count, seconds, window = windows[full - 1]
        return (window + 1) * seconds - now or 1
    cache = shared_cache()
    for key, count, seconds, window in windows:
        cache.add(key, 0, timeout=seconds + 1)
        if cache.get(key, 0) >= count:
            return (window + 1) * seconds - now or 1
    for key, _count, seconds, _window in windows:
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=seconds + 1)
    return 0


def refund(who: int | str, action: str, limits: Limits) -> None:
    """Take back one counted action (it turned out to be a resend of one already done)."""
    windows = _windows(who, action, limits, int(time.time()))
    script, backend = _redis_script("refund", _REFUND)
    if script is not None:
        script(keys=[backend.make_and_validate_key(key) for key, *_ in windows])
        return
    cache = shared_cache()
    for key, *_ in windows:
        if cache.get(key, 0) > 0:
            with contextlib.suppress(ValueError):
                cache.decr(key)
