from django.conf import settings
from django.contrib import admin
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.urls import include, path
from django.utils.translation import gettext_lazy
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config import api, body_limit
from crm.views.employees import language_choose

admin.site.site_header = gettext_lazy("Portrait CRM administration")
admin.site.site_title = gettext_lazy("Portrait CRM")
admin.site.index_title = gettext_lazy("What admins keep")

api_v1 = [
    path("", include("portrait.api.urls")),
    path("", include("qualification.api.urls")),
    path("", include("crm.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/setlang/", language_choose, name="set_language"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("portrait/", include("portrait.urls")),
    path("", include("qualification.urls")),
    path("", include("crm.urls")),
]


def handler400(request, exception):
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        # A form-encoded API body over Django's form limit (JSON has the API's own).
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return JsonResponse(body_limit.too_large_body(limit), status=413)
    return api.api_bad_request(request, exception)


def handler403(request, exception):
    # Pages get the site's own page (templates/403.html); the API answers in JSON itself.
    return defaults.permission_denied(request, exception)


def handler404(request, exception):
    if request.path.startswith("/api/"):
        return api.api_not_found(request, exception)
    return defaults.page_not_found(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        return api.api_server_error(request)
    return defaults.server_error(request)
