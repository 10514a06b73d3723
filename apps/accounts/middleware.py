import zoneinfo

from django.conf import settings
from django.utils import timezone, translation

from .services import TRACKED_KEY, remember_session


def remember_language(response, language: str) -> None:
    """Keep the chosen language in its cookie, so pages shown before (or after) signing in
    speak it too."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


class UserPreferencesMiddleware:
    """Show a signed-in user the interface in their language and times in their time zone.

    Placed after AuthenticationMiddleware; LocaleMiddleware has already chosen a language
    from the cookie or the browser for everyone else.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        response = self.get_response(request)
        # A renewed session key (sign-in, password change) is recorded, so that deactivating
        # the user ends this session too. One write per renewal, none otherwise.
        session = getattr(request, "session", None)
        if (
            request.user.is_authenticated
            and session is not None
            and session.session_key
            and session.get(TRACKED_KEY) != session.session_key
        ):
            remember_session(request.user, session)
        return response
