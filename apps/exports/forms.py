"""The form a lead fills in to export a case bundle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.exports.enums import RecipientType
from apps.incidents.models import Incident

if TYPE_CHECKING:
    from apps.cases.models import Case

SCOPE_CASE = "case"
SCOPE_INCIDENTS = "incidents"


class ExportForm(forms.Form):
    """What goes into the bundle and for whom. Only the case's own incidents can be chosen."""

    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=[(SCOPE_CASE, _("The whole case")), (SCOPE_INCIDENTS, _("Chosen incidents"))],
        initial=SCOPE_CASE,
        widget=forms.RadioSelect,
        help_text=_("Export all of the case's evidence, or only the evidence linked to the incidents chosen below."),
    )
    incidents = forms.ModelMultipleChoiceField(
        label=_("Incidents"),
        queryset=Incident.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Used only when the scope is “Chosen incidents”; choose at least one."),
    )
    include_pending = forms.BooleanField(
        label=_("Include evidence not yet approved"),
        required=False,
        help_text=_("Pending items are included and clearly marked as pending in the bundle. Off by default."),
    )
    include_derivatives = forms.BooleanField(
        label=_("Include derivatives"),
        required=False,
        help_text=_("Also include thumbnails and previews (graphic items only blurred). Originals are always in."),
    )
    recipient_type = forms.ChoiceField(
        label=_("Recipient type"),
        choices=RecipientType.choices,
        help_text=_(
            "Decides which items may go: an item whose consent does not allow sharing with this kind of "
            "recipient is left out and listed, without its content, in the bundle."
        ),
    )
    recipient_organisation = forms.CharField(
        label=_("Recipient organisation"),
        max_length=300,
        help_text=_("The office or organisation receiving the bundle, e.g. “Office of the Prosecutor General”."),
    )
    recipient_person = forms.CharField(
        label=_("Recipient person"),
        max_length=300,
        required=False,
        help_text=_("The person the bundle is handed to, if known."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the bundle is made; recorded in the register and in the bundle's bag-info.txt."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        incidents = self.fields["incidents"]
        assert isinstance(incidents, forms.ModelMultipleChoiceField)  # noqa: S101 (declared above)
        incidents.queryset = Incident.objects.filter(case=case).order_by("start_at", "title")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("scope") == SCOPE_INCIDENTS:
            if not cleaned.get("incidents") and "incidents" not in self.errors:
                self.add_error("incidents", _("Choose at least one incident, or export the whole case."))
        else:
            cleaned["incidents"] = []
        return cleaned
