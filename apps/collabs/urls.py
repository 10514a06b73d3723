from django.urls import path

from . import views

app_name = "collabs"

urlpatterns = [
    # /collabs/
    path("", views.collab_list, name="list"),
    path("new/", views.collab_create, name="create"),
    path("rail/", views.rail, name="rail"),
    # /collabs/<id>/
    path("<id:collab_id>/", views.collab_detail, name="detail"),
    path("<id:collab_id>/settings/", views.collab_settings, name="settings"),
    path("<id:collab_id>/avatar/", views.collab_avatar, name="avatar"),
    path("<id:collab_id>/pin/", views.pin, name="pin"),
    path("<id:collab_id>/hide/", views.hide, name="hide"),
    path("<id:collab_id>/leave/", views.leave, name="leave"),
    path("<id:collab_id>/transfer/", views.transfer, name="transfer"),
    path("<id:collab_id>/delete/", views.delete, name="delete"),
    # /collabs/<id>/members/
    path("<id:collab_id>/members/", views.members, name="members"),
    path("<id:collab_id>/tabs/members/", views.members_tab, name="members_tab"),
    path("<id:collab_id>/members/add/", views.member_add, name="member_add"),
    path("<id:collab_id>/members/<id:user_id>/role/", views.member_role, name="member_role"),
    path("<id:collab_id>/members/<id:user_id>/remove/", views.member_remove, name="member_remove"),
    path("<id:collab_id>/members/<id:user_id>/expiry/", views.member_expiry, name="member_expiry"),
]

user_urlpatterns = [
    # /users/<id>/
    path("<id:user_id>/avatar/", views.user_avatar, name="user_avatar"),
]
