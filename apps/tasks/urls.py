"""Mounted by the feature registry at /collabs/<collab_id>/tasks/ (namespace "tasks")."""

from django.urls import path

from . import board, lists, tab, views

urlpatterns = [
    # The collab's tasks: the list (filters, search), the board, the sidebar's tab.
    path("", lists.task_list, name="list"),
    path("board/", board.board, name="board"),
    path("tab/", tab.tasks_tab, name="tab"),
    # One task.
    path("new/", views.create, name="create"),
    path("<id:task_id>/", views.detail, name="detail"),
    path("<id:task_id>/edit/", views.edit, name="edit"),
    path("<id:task_id>/status/", views.set_status, name="status"),
    path("<id:task_id>/move/", views.move, name="move"),
    path("<id:task_id>/delete/", views.delete, name="delete"),
    path("<id:task_id>/checklist/", views.checklist_add, name="checklist_add"),
    path("<id:task_id>/checklist/<id:item_id>/", views.checklist_item, name="checklist_item"),
    path("<id:task_id>/comments/", views.comment, name="comment"),
    path("<id:task_id>/files/", views.files, name="files"),
    path("<id:task_id>/files/<id:file_id>/remove/", views.file_remove, name="file_remove"),
]
