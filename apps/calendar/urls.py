"""Mounted by the feature registry at /collabs/<collab_id>/calendar/ (namespace "calendar")."""

from django.urls import path

from . import links, views

urlpatterns = [
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
