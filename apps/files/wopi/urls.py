"""Included by apps/files/urls.py, so under /collabs/<collab_id>/files/ (namespace "files").

The WOPI endpoints have no trailing slash: the office server appends "/contents" and the
query to the WOPISrc we give it, and a redirect would lose a POST's body."""

from django.urls import path

from . import views

urlpatterns = [
    # /collabs/<collab_id>/files/wopi/files/<file_id>: CheckFileInfo, locks, PutRelativeFile
    path("wopi/files/<id:file_id>", views.wopi_file, name="wopi_file"),
    # /collabs/<collab_id>/files/wopi/files/<file_id>/contents: GetFile, PutFile
    path("wopi/files/<id:file_id>/contents", views.wopi_contents, name="wopi_contents"),
    # /collabs/<collab_id>/files/<file_id>/edit-online/: the host page
    path("<id:file_id>/edit-online/", views.edit_online, name="edit_online"),
]
