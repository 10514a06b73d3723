from django.urls import path

from .consumers import CollabConsumer

websocket_urlpatterns = [
    path("ws/collabs/<int:collab_id>/", CollabConsumer.as_asgi()),
]
