from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    # /me/
    path("", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
]
