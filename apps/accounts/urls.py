from django.urls import path

from apps.accounts import views

app_name = "accounts"

# The password step and sign-out keep Django's global names "login" and
# "logout" (config/urls.py), which LOGIN_URL and the templates use.
urlpatterns = [
    path("login/verify/", views.sign_in_verify, name="sign_in_verify"),
    path("security/", views.security, name="security"),
    path("security/two-factor/", views.two_factor_enrol, name="two_factor_enrol"),
    path("security/two-factor/off/", views.two_factor_disable, name="two_factor_disable"),
    path("security/recovery-codes/", views.recovery_codes_regenerate, name="recovery_codes_regenerate"),
    path("security/password/", views.password_change, name="password_change"),
    path("preferences/", views.preferences, name="preferences"),
]
