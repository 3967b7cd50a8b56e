from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.accounts import views as accounts_views
from apps.common import views as common_views

urlpatterns = [
    path("", common_views.home, name="home"),
    path("healthz", common_views.healthz, name="healthz"),
    path("evidence/", include("apps.evidence.urls")),
    path("api/v1/", include("config.api_urls")),
    # The OpenAPI schema and its interactive docs (Swagger UI from drf-spectacular-sidecar: no CDN).
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("apps.intake.urls")),
    path("review/", include("apps.review.urls")),
    path("", include("apps.comments.urls")),
    path("accounts/tokens/", include("apps.apitokens.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("", include("apps.dashboards.urls")),
    path("", include("apps.incidents.urls")),
    path("cases/", include("apps.cases.urls")),
    path("", include("apps.exports.urls")),
    path("accounts/login/", accounts_views.sign_in, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin signs in through the site's own two-step sign-in, never its password-only form.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True), name="admin_login"),
    path("admin/", admin.site.urls),
]
