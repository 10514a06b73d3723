from django.urls import path

from . import views

urlpatterns = [
    path("", views.cards, name="cards"),
    path("new/", views.new_card, name="new"),
]
