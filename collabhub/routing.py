"""WebSocket routes. Every signed-in page has one socket (apps.collabs.consumers): a collab's
pages the chat's (it extends the collab consumer, which checks access on connect and closes on
revocation), the others the person's own."""

from channels.security.websocket import WebsocketDenier
from django.urls import path, re_path

from apps.chat.consumers import ChatConsumer
from apps.collabs.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/collabs/<id:collab_id>/", ChatConsumer.as_asgi()),
    # Pages that show no collab: the counters and the list of collabs stay live there too.
    path("ws/me/", LiveConsumer.as_asgi()),
    # Anything else (an unknown path, an id out of range) is refused, not an exception.
    re_path(r"", WebsocketDenier.as_asgi()),
]
