"""WSGI entry point, for tools that want one; the portal itself is served by Daphne (asgi.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collabhub.settings")
application = get_wsgi_application()
