from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.permissions import member_case_ids
from apps.apitokens.enums import TokenAccess
from apps.apitokens.models import NAME_MAX_LENGTH
from apps.cases.models import Case

if TYPE_CHECKING:
    from apps.accounts.models import User


class ApiTokenForm(forms.Form):
    """The "new token" form. Only the user's own cases are offered; the service checks membership again."""

    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("What the token is for, e.g. “Telegram archiver on the field laptop”."),
    )
    cases = forms.ModelMultipleChoiceField(
        label=_("Cases"),
        queryset=Case.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The token opens only these cases, in the role you hold in each."),
        error_messages={"required": _("Choose at least one case: a token opens only the cases named on it.")},
    )
    access = forms.ChoiceField(
        label=_("Access"),
        choices=TokenAccess.choices,
        initial=TokenAccess.READ,
        widget=forms.RadioSelect,
        help_text=_("A read-only token can fetch but never change anything; choose it unless the script uploads."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional, but recommended: the token stops working at the end of this day. Empty: no expiry."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cases_field = self.fields["cases"]
        assert isinstance(cases_field, forms.ModelMultipleChoiceField)  # noqa: S101 (narrows the type for mypy)
        cases_field.queryset = Case.objects.filter(pk__in=member_case_ids(user)).order_by("reference")

    def clean_expires_on(self) -> datetime.date | None:
        expires_on: datetime.date | None = self.cleaned_data.get("expires_on")
        if expires_on is not None and expires_on < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return expires_on

    def expires_at(self) -> datetime.datetime | None:
        """The end of the chosen day, in the current time zone."""
        expires_on: datetime.date | None = self.cleaned_data.get("expires_on")
        if expires_on is None:
            return None
        next_day = datetime.datetime.combine(expires_on + datetime.timedelta(days=1), datetime.time.min)
        return timezone.make_aware(next_day)
