"""WebSocket routes. The collab page's socket is the chat's (it extends the collab consumer,
which checks access on connect and closes on revocation)."""

from channels.security.websocket import WebsocketDenier
from django.urls import path, re_path

from apps.chat.consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/collabs/<id:collab_id>/", ChatConsumer.as_asgi()),
    # Anything else (an unknown path, an id out of range) is refused, not an exception.
    re_path(r"", WebsocketDenier.as_asgi()),
]
