"""The baseline for `make bench`: Django with one view that returns "ok", and nothing else.

No apps, no middleware, no database: what any Django page costs at least, served by the same
gunicorn with the same workers, so that carnet's pages are read as a multiple of it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("", ok)]

settings.configure(
    DEBUG=False,
    SECRET_KEY=secrets.token_urlsafe(50),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[],
    MIDDLEWARE=[],
    DATABASES={},
    USE_I18N=False,
    USE_TZ=True,
)
application = get_wsgi_application()
