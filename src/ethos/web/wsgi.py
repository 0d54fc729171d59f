"""WSGI entry point: ``gunicorn ethos.web.wsgi`` (``ethos serve`` runs it for you)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ethos.web.settings")
application = get_wsgi_application()
