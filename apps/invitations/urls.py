from django.urls import path

from . import views

app_name = "invitations"

urlpatterns = [
    # The invitee's way in.
    path("invite/<str:token>/", views.accept, name="accept"),
    # The inviter's side, on a collab.
    path("collabs/<id:collab_id>/invitations/email/", views.invite_email, name="invite_email"),
    path("collabs/<id:collab_id>/invitations/phone/", views.invite_phone, name="invite_phone"),
    path("collabs/<id:collab_id>/invitations/link/", views.link_create, name="link_create"),
    path("collabs/<id:collab_id>/invitations/link/revoke/", views.link_revoke, name="link_revoke"),
    path("collabs/<id:collab_id>/invitations/link/qr.png", views.link_qr, name="link_qr"),
    path(
        "collabs/<id:collab_id>/invitations/<id:invitation_id>/resend/",
        views.resend,
        name="resend",
    ),
    path(
        "collabs/<id:collab_id>/invitations/<id:invitation_id>/revoke/",
        views.revoke,
        name="revoke",
    ),
]
