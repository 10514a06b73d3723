"""WebSocket routes. The collab page's socket is the chat's (it extends the collab consumer,
which checks access on connect and closes on revocation)."""

from django.urls import path

from apps.chat.consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/collabs/<id:collab_id>/", ChatConsumer.as_asgi()),
]
