"""URL map: the web UI, the REST API under /api/v1/, and the OpenAPI schema and docs."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny, IsAuthenticated

from jingzhun.core.api import api_handler
from jingzhun.core.views import healthz
from jingzhun.imports.views import household_export
from jingzhun.registry.views import home


class LoginInProduction:
    """The API's schema and docs: open while developing, for logged-in users only in production (the schema
    maps every operation and parameter: reconnaissance for anyone else)."""

    def get_permissions(self):
        return [IsAuthenticated()] if settings.PRODUCTION else [AllowAny()]


class SchemaView(LoginInProduction, SpectacularAPIView):
    pass


class SwaggerView(LoginInProduction, SpectacularSwaggerView):
    pass


class RedocView(LoginInProduction, SpectacularRedocView):
    pass


urlpatterns = [
    path("", home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("jingzhun.api_urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="api-redoc"),
    # The admin site signs in through our login (throttling, second factor, demo refusal), not its own form.
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("accounts/", include("jingzhun.accounts.urls")),
    path("regions/", include("jingzhun.regions.urls")),
    path("imports/", include("jingzhun.imports.urls")),
    path("identification/", include("jingzhun.identification.urls")),
    path("assistance/", include("jingzhun.assistance.urls")),
    path("monitoring/", include("jingzhun.monitoring.urls")),
    path("quality/", include("jingzhun.quality.urls")),
    path("projects/", include("jingzhun.projects.urls")),
    path("funds/", include("jingzhun.funds.urls")),
    path("assessment/", include("jingzhun.assessment.urls")),
    path("analytics/", include("jingzhun.analytics.urls")),
    path("reports/", include("jingzhun.reports.urls")),
    path("public/", include("jingzhun.portal.urls")),
    path("households/export.<str:fmt>", household_export, name="household_export"),
    path("", include("jingzhun.registry.urls")),
    path("healthz", healthz, name="healthz"),
    # browsers ask for /favicon.ico whatever the page links
    path(
        "favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}jingzhun/favicon.svg", permanent=True)
    ),
]

# /api/ paths get the API's error shape even where Django answers before DRF (no route, body too large, a crash).
handler400 = api_handler(400, "bad_request", _("请求无效（例如请求内容过大）。"), defaults.bad_request)
handler404 = api_handler(404, "not_found", _("未找到，或不在您的管辖范围内。"), defaults.page_not_found)
handler500 = api_handler(500, "server_error", _("服务器内部错误。"), defaults.server_error)
