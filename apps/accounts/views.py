from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import LanguageForm, ProfileForm
from .middleware import remember_language
from .models import User
from .verification import is_unverified


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=User.objects.get(pk=user.pk))
        if form.is_valid():
            data = form.cleaned_data
            services.update_profile(
                user,
                full_name=data["full_name"],
                timezone_name=data["timezone"],
                language=data["language"],
                avatar=data["avatar"] if "avatar" in request.FILES else None,
                email_mentions=data["email_mentions"],
            )
            if data["language"]:
                translation.activate(data["language"])
            messages.success(request, _("Your profile is saved."))
            response = redirect("accounts:profile")
            if data["language"]:
                remember_language(response, data["language"])
            return response
    else:
        form = ProfileForm(instance=user)
    return render(
        request, "accounts/profile.html", {"form": form, "email_unverified": is_unverified(user)}
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: remembered on the account when signed in, in a cookie always."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown language."))
    language = form.cleaned_data["language"]
    next_url = form.cleaned_data["next"] or request.headers.get("referer") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("home")
    if request.user.is_authenticated:
        services.set_language(request.user, language)
    response = redirect(next_url)
    remember_language(response, language)
    return response
