from django.urls import path

from . import views

app_name = "collabs"

urlpatterns = [
    # /collabs/
    path("", views.collab_list, name="list"),
    path("new/", views.collab_create, name="create"),
    # /collabs/<id>/
    path("<int:collab_id>/", views.collab_detail, name="detail"),
    path("<int:collab_id>/settings/", views.collab_settings, name="settings"),
    path("<int:collab_id>/avatar/", views.collab_avatar, name="avatar"),
    path("<int:collab_id>/pin/", views.pin, name="pin"),
    path("<int:collab_id>/hide/", views.hide, name="hide"),
    path("<int:collab_id>/leave/", views.leave, name="leave"),
    path("<int:collab_id>/transfer/", views.transfer, name="transfer"),
    path("<int:collab_id>/delete/", views.delete, name="delete"),
    # /collabs/<id>/members/
    path("<int:collab_id>/members/", views.members, name="members"),
    path("<int:collab_id>/members/add/", views.member_add, name="member_add"),
    path("<int:collab_id>/members/<int:user_id>/role/", views.member_role, name="member_role"),
    path(
        "<int:collab_id>/members/<int:user_id>/remove/", views.member_remove, name="member_remove"
    ),
    path(
        "<int:collab_id>/members/<int:user_id>/expiry/", views.member_expiry, name="member_expiry"
    ),
]

user_urlpatterns = [
    # /users/<id>/
    path("<int:user_id>/avatar/", views.user_avatar, name="user_avatar"),
]
