import zoneinfo

from django.utils import timezone, translation


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
        return self.get_response(request)
