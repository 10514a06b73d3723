"""Mounted by the feature registry at /collabs/<collab_id>/files/ (namespace "files")."""

from django.urls import include, path

from . import chat_views, editor_views, section, tab, views

urlpatterns = [
    path("<id:file_id>/download/", views.download, name="download"),
    # The sidebar's Files tab and sending files in the chat.
    path("tab/", tab.files_tab, name="tab"),
    path("chat-upload/", chat_views.chat_upload, name="chat_upload"),
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
    # The built-in text editor.
    path("<id:file_id>/edit/", editor_views.edit_text, name="edit_text"),
    path("new-text/", editor_views.new_text, name="new_text"),
    path("<id:file_id>/thumbnail/", views.thumbnail, name="thumbnail"),
    path("<id:file_id>/", views.file_page, name="file"),
]
# Online editing through an office server (WOPI).
urlpatterns += [path("", include("apps.files.wopi.urls"))]
