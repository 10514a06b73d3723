from django.urls import path

from . import views

app_name = "chat"

urlpatterns = [
    # /collabs/<collab_id>/chat/
    path("messages/", views.history_page, name="history"),
    path("send/", views.send, name="send"),
    path("read/", views.mark_read, name="read"),
    path("pinned/", views.pinned, name="pinned"),
    path("search/", views.search, name="search"),
    path("links/", views.links, name="links"),
    path("mentions/", views.mention_candidates, name="mention_candidates"),
    # /collabs/<collab_id>/chat/<message_id>/
    path("<id:message_id>/actions/", views.actions, name="actions"),
    path("<id:message_id>/edit/", views.edit, name="edit"),
    path("<id:message_id>/delete/", views.delete, name="delete"),
    path("<id:message_id>/react/", views.react, name="react"),
    path("<id:message_id>/pin/", views.pin, name="pin"),
    path("<id:message_id>/revisions/", views.revisions, name="revisions"),
]
