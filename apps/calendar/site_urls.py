"""Mounted by the feature registry at /calendar/ (namespace "my_calendar"): the person's
meetings across their collabs, their working hours, their iCalendar feed, and the pages
anyone with a link opens (booking a free slot, managing a booking, answering an
invitation from its email)."""

from django.urls import path

from . import grids

urlpatterns: list = [
    # My calendar: the meetings I am invited to, as an agenda and as a month.
    path("", grids.mine, name="mine"),
    path("month/", grids.mine_month, name="mine_month"),
]
