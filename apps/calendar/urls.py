"""Mounted by the feature registry at /collabs/<collab_id>/calendar/ (namespace "calendar")."""

from django.urls import path

urlpatterns: list = []
