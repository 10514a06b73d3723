"""Mounted by the feature registry at /collabs/<collab_id>/files/ (namespace "files")."""

from django.urls import path

from . import views

urlpatterns = [
    path("<id:file_id>/download/", views.download, name="download"),
    path("<id:file_id>/thumbnail/", views.thumbnail, name="thumbnail"),
    path("<id:file_id>/", views.file_page, name="file"),
]
