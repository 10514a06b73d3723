from django.urls import path

from . import views

app_name = "notifications"

# /notifications/
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("panel/", views.panel, name="panel"),
    path("<id:notification_id>/open/", views.open_notification, name="open"),
    path("read/", views.read, name="read"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.preferences, name="settings"),
]
