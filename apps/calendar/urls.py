"""Mounted by the feature registry at /collabs/<collab_id>/calendar/ (namespace "calendar")."""

urlpatterns: list = []
