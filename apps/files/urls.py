"""Mounted by the feature registry at /collabs/<collab_id>/files/ (namespace "files")."""

from django.urls import path

from . import views

urlpatterns = [
    path("<id:file_id>/download/", views.download, name="download"),
]

# The built-in text editor.
from . import editor_views  # noqa: E402

urlpatterns.append(path("<id:file_id>/edit/", editor_views.edit_text, name="edit_text"))
urlpatterns.append(path("new-text/", editor_views.new_text, name="new_text"))
