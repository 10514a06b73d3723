"""The default cache shared by a process's sockets (apps/core/caching.py): Django's own is one
instance per context, and every socket is a context (an asyncio task), each opening its own
Redis connections."""

import asyncio
import contextvars

import pytest
from django.core.cache import caches

from apps.collabs import live
from apps.core import ratelimit
from apps.core.caching import shared_cache


def in_sockets(func, args_list):
    """`func(*args)` in the sockets' database threads, each from a task of a context of its own,
    as Daphne starts every connection."""
    return asyncio.gather(
        *(
            asyncio.get_running_loop().create_task(
                live.on_db(func)(*args), context=contextvars.Context()
            )
            for args in args_list
        )
    )


@pytest.mark.django_db(transaction=True)
async def test_every_sockets_thread_gets_the_one_instance():
    def both():
        return caches["default"], shared_cache()

    pairs = await in_sockets(both, [()] * 4)

    assert len({id(own) for own, _ in pairs}) == 4  # Django's: one per task
    assert len({id(shared) for _, shared in pairs}) == 1


@pytest.mark.django_db(transaction=True)
async def test_the_rate_limit_keeps_one_script_whatever_the_number_of_sockets(settings):
    limits = [(1000, 60)]

    def hit(user_id):
        return ratelimit.hit(user_id, "test-sockets", limits)

    await in_sockets(hit, [(n,) for n in range(6)])
    kept = len(ratelimit._scripts)
    await in_sockets(hit, [(n,) for n in range(6)])

    assert len(ratelimit._scripts) == kept <= 2  # at most the hit and the refund script


def test_a_changed_cache_setting_is_followed(settings):
    before = shared_cache()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "x"}
    }
    assert shared_cache() is not before
