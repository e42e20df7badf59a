"""URL wiring. Pages live under /<language>/; /healthz and the API do not."""

from functools import partial

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from ninja.openapi.views import openapi_view

from carnet.api.api import api
from carnet.api.auth import docs_access
from carnet.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("api/docs", docs_access(partial(openapi_view, api=api)), name="api-docs"),
]

urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("account/", include("carnet.accounts.urls")),
    path("audit/", include("carnet.audit.urls")),
    path("cases/", include("carnet.cases.urls")),
    path("assessments/", include("carnet.assessments.urls")),
    path("referrals/", include("carnet.referrals.urls")),
    path("directory/", include("carnet.directory.urls")),
    path("library/", include("carnet.library.urls")),
    path("events/", include("carnet.events.urls")),
    path("plan/", include("carnet.actionplan.urls")),
    path("", include("carnet.portal.urls")),
    prefix_default_language=True,
)

handler400 = "carnet.core.views.bad_request"
handler403 = "carnet.core.views.permission_denied"
handler404 = "carnet.core.views.page_not_found"
handler500 = "carnet.core.views.server_error"
