"""Mounted by the feature registry at /calendar/ (namespace "my_calendar"): the person's
meetings across their collabs, their working hours, their iCalendar feed, and the pages
anyone with a link opens (booking a free slot, managing a booking, answering an
invitation from its email)."""

from django.urls import path

from . import feed

urlpatterns = [
    # The personal iCalendar feed: the secret token is the whole authentication.
    path("feed/<str:token>.ics", feed.feed, name="feed"),
    path("feed/reset/", feed.reset, name="feed_reset"),
]
