"""Mounted by the feature registry at /collabs/<collab_id>/files/ (namespace "files")."""

from django.urls import path

from . import chat_views, tab, views

urlpatterns = [
    path("<id:file_id>/download/", views.download, name="download"),
    path("tab/", tab.files_tab, name="tab"),
    path("chat-upload/", chat_views.chat_upload, name="chat_upload"),
]
