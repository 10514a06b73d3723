"""Mounted by the feature registry at /collabs/<collab_id>/files/ (namespace "files")."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("<id:file_id>/download/", views.download, name="download"),
]
urlpatterns += [path("", include("apps.files.wopi.urls"))]  # online editing (WOPI)
