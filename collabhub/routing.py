"""WebSocket routes. Each live app adds its patterns here (the chat's arrives with issue 3)."""

from apps.collabs.routing import websocket_urlpatterns as collab_patterns

websocket_urlpatterns = [*collab_patterns]
