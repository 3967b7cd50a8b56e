"""Forms of sign-in and of the user's own security settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps.accounts.timezones import time_zone_names


class SignInForm(AuthenticationForm):
    """Username and password; the request is passed to authenticate(), which django-axes needs to count failures."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = _("The username your case lead gave you.")
        self.fields["password"].help_text = _("Passwords are case-sensitive.")


class CodeForm(forms.Form):
    """One code from an authenticator app (or, at sign-in, a recovery code)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        help_text=_("The 6-digit code your authenticator app shows now."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false", "autofocus": True}
        ),
    )


class SignInCodeForm(CodeForm):
    """The second step of sign-in: accepts an authenticator code or a recovery code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes "
            "(each recovery code works once)."
        )


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's password change form (old password, then the new one twice, checked by the password validators)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].help_text = _("Your current password, to confirm that it is you.")


class TimeZoneForm(forms.Form):
    """The user's display time zone: one of the IANA zones this machine knows, or empty for the site's."""

    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Pages show dates and times in this zone. They are always recorded in UTC."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = format_lazy(_("The site's time zone ({zone})"), zone=settings.TIME_ZONE)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 (declared above; narrows the type for mypy)
        field.choices = [("", default), *((name, name) for name in time_zone_names())]
