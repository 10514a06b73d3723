"""Mounted by the feature registry at /calendar/ (namespace "my_calendar"): the person's
meetings across their collabs, their working hours, their iCalendar feed, and the pages
anyone with a link opens (booking a free slot, managing a booking, answering an
invitation from its email)."""

from django.urls import path

from . import feed, grids, hours, links, views

urlpatterns = [
    # My calendar: the meetings I am invited to, as an agenda and as a month.
    path("", grids.mine, name="mine"),
    path("month/", grids.mine_month, name="mine_month"),
    # The personal iCalendar feed: the secret token is the whole authentication.
    path("feed/<str:token>.ics", feed.feed, name="feed"),
    path("feed/reset/", feed.reset, name="feed_reset"),
    # Answering an invitation from its email (the attendee's token).
    path("answer/<str:token>/", views.rsvp, name="rsvp"),
    # A free-slot link's page, and the booker's page for their booking.
    path("book/<str:token>/", links.book, name="book"),
    path("booking/<str:token>/", links.manage, name="booking"),
    # /calendar/hours/: working hours and the dates with hours of their own.
    path("hours/", hours.hours, name="hours"),
    path("hours/dates/", hours.add_date, name="hours_date"),
    path("hours/dates/remove/", hours.remove_date, name="hours_date_remove"),
]
