"""Mounted by the feature registry at /collabs/<collab_id>/files/ (namespace "files")."""

from django.urls import path

from . import section, views

urlpatterns = [
    path("<id:file_id>/download/", views.download, name="download"),
    # The Files section (apps/files/section.py): browsing, managing, the trash, uploading.
    path("", section.section, name="section"),
    path("folder/<id:folder_id>/", section.section, name="folder"),
    path("folder/new/", section.folder_new, name="folder_new"),
    path("folder/<id:folder_id>/rename/", section.folder_rename, name="folder_rename"),
    path("folder/<id:folder_id>/delete/", section.folder_delete, name="folder_delete"),
    path("<id:file_id>/rename/", section.rename, name="rename"),
    path("<id:file_id>/move/", section.move, name="move"),
    path("<id:file_id>/delete/", section.delete, name="delete"),
    path("trash/", section.trash, name="trash"),
    path("trash/<id:file_id>/restore/", section.restore, name="restore"),
    path("upload/", section.upload, name="upload"),
]
