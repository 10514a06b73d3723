"""channels_redis's pub/sub layer, with its sockets told when Redis went away.

With the pub/sub layer a server process holds one Redis connection subscribed to the groups of
its sockets. When Redis restarts (or the connection breaks), redis-py reconnects that
connection and subscribes it again (PubSub.on_connect) — but whatever was published in
between is gone: pub/sub keeps nothing for a subscriber that is away, and a publish while Redis
is down fails. The sockets would live on, deaf to what they missed, and the pages would never
know (channels_redis 4.3 only logs "Unexpected exception in receive task" once a second; its
`on_disconnect`/`on_reconnect` options are accepted and never called).

Here the layer's receiving loop notices both ways of losing the connection:

- an error reading from it (Redis down): logged once, not every second;
- the connection established again (redis-py's connect callback): a restart that the retries
  hid, or the end of an outage;

and each time puts `{"type": "layer.reconnect"}` on the queue of every socket of the process
(every channel in a group: the consumers; not the /healthz/ probe's). The consumers
(apps.collabs.consumers) close with 4503, the page reconnects (static/js/live.js) and catches
up from the database with hello{last_id} (the chat), so nothing published while Redis was away
is missed. Sockets that connect while Redis is down fail to join their groups and are refused;
the page retries with its backoff.
"""

import asyncio
import logging

from channels_redis.pubsub import (
    RedisPubSubChannelLayer as BasePubSubChannelLayer,
)
from channels_redis.pubsub import (
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import decode_hosts
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)

RECONNECT = {"type": "layer.reconnect"}
# What a layer call raises while Redis is away (the consumers refuse a socket then, without a
# traceback: the page retries).
LAYER_DOWN = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)
_LOST = LAYER_DOWN


class WatchedShardConnection(RedisSingleShardConnection):
    """One Redis connection of the layer, whose sockets hear of each loss of it."""

    def __init__(self, host, channel_layer):
        super().__init__(host, channel_layer)
        self._watched = None  # the pub/sub connection our connect callback is on
        self.losses = 0

    def _watch(self) -> None:
        connection = self._pubsub.connection if self._pubsub is not None else None
        if connection is not None and connection is not self._watched:
            # Called on every later (re)connect of this connection: its first connect is over
            # (the pool hands out a connected one).
            connection.register_connect_callback(self._reconnected)
            self._watched = connection

    async def _reconnected(self, connection) -> None:
        logger.warning("channel layer: connected to Redis again; sockets told to reconnect")
        self._tell_sockets()

    def _tell_sockets(self) -> None:
        self.losses += 1
        layer = self.channel_layer
        message = layer.channel_layer.serialize(RECONNECT)
        sockets = set()
        for members in layer.groups.values():
            sockets |= members
        for name in sockets:
            queue = layer.channels.get(name)
            if queue is not None:
                queue.put_nowait(message)

    async def _do_receiving(self):
        healthy = True
        while True:
            try:
                if self._pubsub and self._pubsub.subscribed:
                    self._watch()
                    message = await self._pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=0.1
                    )
                    self._receive_message(message)
                    if not healthy:
                        healthy = True
                        logger.warning("channel layer: Redis is back")
                else:
                    await asyncio.sleep(0.1)
            except (asyncio.CancelledError, GeneratorExit):
                raise
            except _LOST as exc:
                if healthy:
                    healthy = False
                    logger.warning("channel layer: lost Redis (%s); sockets told to reconnect", exc)
                    self._tell_sockets()
                await asyncio.sleep(0.5)
            except Exception:
                logger.exception("channel layer: unexpected error in the receiving loop")
                await asyncio.sleep(1)


class WatchedLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, hosts=None, *args, **kwargs):
        super().__init__(hosts, *args, **kwargs)
        self._shards = [WatchedShardConnection(host, self) for host in decode_hosts(hosts)]


class RedisPubSubChannelLayer(BasePubSubChannelLayer):
    """settings.CHANNEL_LAYERS' pub/sub backend (REDIS_CHANNEL_LAYER=pubsub, the default)."""

    def _get_layer(self):
        loop = asyncio.get_running_loop()
        if loop not in self._layers:
            from channels_redis.utils import _wrap_close

            self._layers[loop] = WatchedLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return self._layers[loop]
