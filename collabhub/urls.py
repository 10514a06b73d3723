from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.collabs import features
from apps.collabs.urls import user_urlpatterns
from apps.core import views as core_views

admin.site.site_header = admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz/", core_views.healthz, name="healthz"),
    path("collabs/", include("apps.collabs.urls")),
    path("collabs/<id:collab_id>/chat/", include("apps.chat.urls")),
    path("", include("apps.invitations.urls")),
    path("users/", include((user_urlpatterns, "users"))),
    path("me/", include("apps.accounts.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

# Each installed feature's pages, at /collabs/<id>/<feature>/ (registered in its ready()).
urlpatterns += [
    path(f"collabs/<id:collab_id>/{feature.key}/", include((feature.urls, feature.key)))
    for feature in features.features()
    if feature.urls
]

# Each feature's pages across the person's collabs ("My tasks"), at /<feature>/.
urlpatterns += [
    path(f"{feature.key}/", include((feature.site_urls, f"my_{feature.key}")))
    for feature in features.features()
    if feature.site_urls
]
