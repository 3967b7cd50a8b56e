from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.evidence.enums import CollectionMethod, ConsentStatus

# The descriptive fields an uploader gives for the files of one upload.
DESCRIPTIVE_FIELDS = (
    "caption",
    "credit_line",
    "collector_name",
    "collection_method",
    "collected_at",
    "is_graphic",
    "contains_personal_data",
    "reveals_witness_identity",
    "consent_status",
    "may_share_national_prosecutor",
    "may_share_icc",
    "may_share_other_courts",
    "may_share_media",
    "may_share_public",
    "consent_note",
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(file, initial) for file in data]
        return [single(data, initial)]


def _sha256_field() -> forms.CharField:
    return forms.CharField(
        label=_("SHA-256 (optional)"),
        required=False,
        max_length=71,
        help_text=_(
            "If you hashed the file when you collected it, paste that hash: the upload is refused if the "
            "bytes that arrive differ. Only for a single file."
        ),
    )


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; Django's DateTimeField reads the ISO value it sends."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class EvidenceDescriptionForm(forms.Form):
    """The descriptive fields of an upload (DESCRIPTIVE_FIELDS): what the uploader says about the files.

    On the upload page these are the defaults for every file; the resumable
    upload script copies them into each file's own copy of this form
    (rendered once with the prefix ``__prefix__``) and sends them as tus
    metadata under the same names.
    """

    caption = forms.CharField(
        label=_("Caption"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the file shows, in your words."),
    )
    credit_line = forms.CharField(
        label=_("Credit line"), required=False, max_length=500, help_text=_("e.g. Photo by …/Agency")
    )
    collector_name = forms.CharField(
        label=_("Collector"), required=False, max_length=300, help_text=_("Who collected it, if not you.")
    )
    collection_method = forms.ChoiceField(
        label=_("Collection method"),
        choices=CollectionMethod.choices,
        initial=CollectionMethod.CAPTURED_BY_INVESTIGATOR,
        help_text=_("How the file came into your hands."),
    )
    collected_at = forms.DateTimeField(
        label=_("Collected at"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_("When you collected it (your time zone)."),
    )
    is_graphic = forms.BooleanField(
        label=_("Graphic content"), required=False, help_text=_("Previews will be blurred for everyone until revealed.")
    )
    contains_personal_data = forms.BooleanField(label=_("Contains personal data"), required=False)
    reveals_witness_identity = forms.BooleanField(
        label=_("Reveals a witness's identity"),
        required=False,
        help_text=_("Hidden from observers and from exports without consent."),
    )
    consent_status = forms.ChoiceField(label=_("Consent"), choices=ConsentStatus.choices, initial=ConsentStatus.UNKNOWN)
    may_share_national_prosecutor = forms.BooleanField(
        label=_("May share with national prosecutors"), required=False, initial=True
    )
    may_share_icc = forms.BooleanField(label=_("May share with the ICC"), required=False, initial=True)
    may_share_other_courts = forms.BooleanField(label=_("May share with other courts"), required=False, initial=True)
    may_share_media = forms.BooleanField(label=_("May share with media"), required=False)
    may_share_public = forms.BooleanField(label=_("May publish"), required=False)
    consent_note = forms.CharField(
        label=_("Consent note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was consented to, by whom, and when."),
    )

    def descriptive_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in DESCRIPTIVE_FIELDS if self.cleaned_data.get(name) is not None}


class EvidenceFileForm(EvidenceDescriptionForm):
    """One file's own description on the resumable upload page (never submitted: the script sends it as metadata)."""

    sha256 = _sha256_field()

    field_order = ("sha256",)


class EvidenceUploadForm(EvidenceDescriptionForm):
    """The plain multipart form: the page's fallback without JavaScript, one description for all its files."""

    file = MultipleFileField(
        label=_("Files"),
        help_text=_("One or more files. Each is hashed (SHA-256) as it arrives and kept bit for bit."),
    )
    sha256 = _sha256_field()

    field_order = ("file", "sha256")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("sha256") and len(cleaned.get("file") or []) > 1:
            self.add_error("sha256", _("Give a SHA-256 only when uploading a single file."))
        return cleaned
