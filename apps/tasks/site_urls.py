"""Mounted by the feature registry at /tasks/ (namespace "my_tasks"): the person's tasks
across their collabs."""

from django.urls import path

from . import mine

urlpatterns = [
    path("", mine.mine, name="mine"),
]
