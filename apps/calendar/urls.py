"""Mounted by the feature registry at /collabs/<collab_id>/calendar/ (namespace "calendar")."""

from django.urls import path

from . import grids

urlpatterns: list = [
    # The collab's calendar: the agenda (the default), a week, a month, the sidebar's tab.
    path("", grids.agenda, name="agenda"),
    path("week/", grids.week, name="week"),
    path("month/", grids.month, name="month"),
    path("tab/", grids.calendar_tab, name="tab"),
]

