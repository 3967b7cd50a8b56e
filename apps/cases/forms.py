"""Forms of the case pages: inviting, changing roles, removing members, signing up through an invitation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.services import INVITATION_DEFAULT_DAYS, INVITATION_MAX_DAYS


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("The invitation link is sent here; only an account with this address can accept it."),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=CaseRole.choices,
        initial=CaseRole.INVESTIGATOR,
        help_text=_("Investigators add material, reviewers review it, leads manage the case, observers only read."),
    )
    expires_in_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=INVITATION_MAX_DAYS,
        initial=INVITATION_DEFAULT_DAYS,
        help_text=_("The link stops working after this many days (at most 30) or once it is used."),
    )


class MemberRoleForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput, help_text=_("The membership to change."))
    role = forms.ChoiceField(label=_("Role"), choices=CaseRole.choices, help_text=_("The member's new role."))


class MemberRemoveForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput, help_text=_("The membership to end."))


class InvitationSignupForm(forms.Form):
    """A new account for the invited address. The address itself is not a field: it is the invitation's."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("What you type to sign in. Letters, digits and @ . + - _ only."),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As your colleagues know you; shown next to your work in the case."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The same password, to catch typing mistakes."),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This username is taken. Choose another one."), code="username")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = User(
                username=cleaned.get("username", ""), email=self.email, first_name=cleaned.get("full_name", "")
            )
            try:
                validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned
