from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation

from .middleware import remember_language


class AccountAdapter(DefaultAccountAdapter):
    """No open self-registration: employees are created by administrators and guests
    arrive through an invitation (which opens signup for its own session)."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def login(self, request, user) -> None:
        """Sign in, and speak the user's language for the rest of this request.

        The request began anonymous, in the cookie's or the browser's language
        (LocaleMiddleware); UserPreferencesMiddleware switches to the user's own language only
        on the next request. allauth renders its "Successfully signed in as …" in this one,
        so without the switch a Russian user read it in English on a Russian page."""
        super().login(request, user)
        language = getattr(user, "language", "")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language

    def post_login(self, request, user, **kwargs):
        """The language goes into the cookie too, so the pages after signing out (the
        "You have signed out." on the login page) stay in it."""
        response = super().post_login(request, user, **kwargs)
        language = getattr(user, "language", "")
        if language and hasattr(response, "set_cookie"):
            remember_language(response, language)
        return response
