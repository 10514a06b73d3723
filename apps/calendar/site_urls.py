"""Mounted by the feature registry at /calendar/ (namespace "my_calendar"): the person's
meetings across their collabs, their working hours, their iCalendar feed, and the pages
anyone with a link opens (booking a free slot, managing a booking, answering an
invitation from its email)."""

from django.urls import path

from . import links, views

urlpatterns = [
    # Answering an invitation from its email (the attendee's token).
    path("answer/<str:token>/", views.rsvp, name="rsvp"),
    # A free-slot link's page, and the booker's page for their booking.
    path("book/<str:token>/", links.book, name="book"),
    path("booking/<str:token>/", links.manage, name="booking"),
]
