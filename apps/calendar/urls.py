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

# TEMPORARY, until the lead's meeting pages are merged (drop this block then): the grids link
# to calendar:create and calendar:detail, which the lead's branch defines.
urlpatterns += [
    path("new/", grids.agenda, name="create"),
    path(
        "<id:meeting_id>/",
        lambda request, collab_id, meeting_id: grids.agenda(request, collab_id),
        name="detail",
    ),
]
