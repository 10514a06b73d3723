"""Mounted by the feature registry at /collabs/<collab_id>/calendar/ (namespace "calendar")."""

from django.urls import path

from . import grids, links, views

urlpatterns = [
    # The collab's calendar: the agenda (the default), a week, a month, the sidebar's tab.
    path("", grids.agenda, name="agenda"),
    path("week/", grids.week, name="week"),
    path("month/", grids.month, name="month"),
    path("tab/", grids.calendar_tab, name="tab"),
    # One meeting.
    path("new/", views.create, name="create"),
    path("<id:meeting_id>/", views.detail, name="detail"),
    path("<id:meeting_id>/edit/", views.edit, name="edit"),
    path("<id:meeting_id>/cancel/", views.cancel, name="cancel"),
    path("<id:meeting_id>/answer/", views.respond, name="respond"),
    # Free-slot links of the collab.
    path("links/", links.link_list, name="links"),
    path("links/new/", links.create, name="link_create"),
    path("links/<id:link_id>/off/", links.turn_off, name="link_off"),
]
