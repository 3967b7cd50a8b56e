"""Forms of the incident pages: the incident itself, and the inline rows for new sources, allegations (with their
alleged weapons) and casualty figures.

The forms check the shape of the input and put the date, time and precision together; the services
(apps/incidents/services.py, apps/sources/services.py) check the rules of the model and write. Every field has
help text, and every error is shown next to its field (or its row).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.common.enums import LocationPrecision, TimePrecision
from apps.incidents.enums import WeaponConfidence
from apps.incidents.models import IncidentType
from apps.sources.enums import SourceReliability, SourceType

if TYPE_CHECKING:
    from collections.abc import Sequence

    from apps.incidents.models import CasualtyFigure, Incident
    from apps.sources.models import Source

# Precisions at which a time of day is meaningful: without one the form cannot store such a time.
TIMED_PRECISIONS = frozenset({TimePrecision.EXACT, TimePrecision.HOUR})
NEW_SOURCE_PREFIX = "new-"
_NEW_SOURCE = re.compile(r"^new-(\d{1,4})$")
TAG_MAX_LENGTH = 100


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class CoordinateField(forms.DecimalField):
    """Decimal degrees; more than six decimals (about 0.1 m) are rounded, not refused (the map writes six)."""

    def __init__(self, *, limit: int, message: Any, **kwargs: Any) -> None:
        super().__init__(
            max_digits=9,
            decimal_places=6,
            validators=[MinValueValidator(Decimal(-limit), message), MaxValueValidator(Decimal(limit), message)],
            **kwargs,
        )

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # DecimalField's stub says int
        text = "" if value in self.empty_values else str(value).strip().replace(",", ".")
        if not text:
            return None
        invalid = forms.ValidationError(_("Enter a number in decimal degrees, e.g. 50.5218."), code="invalid")
        try:
            number = Decimal(text)
            rounded = number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP) if number.is_finite() else None
        except ArithmeticError as error:
            raise invalid from error
        if rounded is None:
            raise invalid
        return rounded


def _aware(day: date, moment: time | None) -> datetime:
    """The date and time as an instant in the user's time zone (midnight when no time is given)."""
    return timezone.make_aware(datetime.combine(day, moment or time(0, 0)), timezone.get_current_timezone())


def _split(value: datetime | None, precision: str) -> tuple[date | None, time | None]:
    if value is None:
        return None, None
    local = timezone.localtime(value)
    shows_time = precision in TIMED_PRECISIONS or local.time() != time(0, 0)
    return local.date(), (local.time().replace(second=0, microsecond=0) if shows_time else None)


class IncidentForm(forms.Form):
    """The incident's own fields. ``start_at``/``end_at`` come out of clean() from date, time and precision."""

    title = forms.CharField(
        label=_("Title"),
        max_length=300,
        help_text=_("A short, neutral description: what, where, when (e.g. Shelling of a residential block in Irpin)."),
    )
    narrative = forms.CharField(
        label=_("Narrative"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, in your words. Say where each statement comes from; claims go under allegations."),
    )
    start_date = forms.DateField(
        label=_("Start date"), widget=DateInput(), help_text=_("The day it began, as far as known.")
    )
    start_time = forms.TimeField(
        label=_("Start time"),
        required=False,
        widget=TimeInput(),
        help_text=_("Local time (your time zone). Leave empty when only the day or a coarser period is known."),
    )
    start_precision = forms.ChoiceField(
        label=_("Start precision"),
        choices=TimePrecision.choices,
        initial=TimePrecision.DAY,
        help_text=_("How precisely the start is known: an incident 'on 6 March' has precision Day, not Exact."),
    )
    end_date = forms.DateField(
        label=_("End date"),
        required=False,
        widget=DateInput(),
        help_text=_("For an incident that lasted: the day it ended. Leave empty for a single moment."),
    )
    end_time = forms.TimeField(
        label=_("End time"), required=False, widget=TimeInput(), help_text=_("Local time the incident ended, if known.")
    )
    end_precision = forms.ChoiceField(
        label=_("End precision"),
        choices=TimePrecision.choices,
        initial=TimePrecision.DAY,
        help_text=_("How precisely the end is known."),
    )
    place_name = forms.CharField(
        label=_("Place name"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"list": "incident-places", "autocomplete": "off"}),
        help_text=_(
            "Settlement or site. Type to search places already used in this case and a small built-in list; "
            "choosing one fills the admin units and coordinates."
        ),
    )
    country_code = forms.CharField(
        label=_("Country"),
        max_length=2,
        initial="UA",
        help_text=_("Two-letter ISO 3166-1 code, e.g. UA."),
    )
    admin1 = forms.CharField(
        label=_("Oblast (admin 1)"), max_length=200, required=False, help_text=_("e.g. Kyiv oblast.")
    )
    admin2 = forms.CharField(
        label=_("Raion (admin 2)"), max_length=200, required=False, help_text=_("e.g. Bucha raion.")
    )
    admin3 = forms.CharField(
        label=_("Hromada (admin 3)"), max_length=200, required=False, help_text=_("e.g. Irpin urban hromada.")
    )
    latitude = CoordinateField(
        label=_("Latitude"),
        required=False,
        limit=90,
        message=_("Latitude must be between -90 and 90 degrees."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Decimal degrees north (e.g. 50.5218). Click or drag the marker on the map, or type it."),
    )
    longitude = CoordinateField(
        label=_("Longitude"),
        required=False,
        limit=180,
        message=_("Longitude must be between -180 and 180 degrees."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Decimal degrees east (e.g. 30.2506). Give both coordinates or neither."),
    )
    location_precision = forms.ChoiceField(
        label=_("Location precision"),
        choices=LocationPrecision.choices,
        initial=LocationPrecision.SETTLEMENT,
        help_text=_("How precisely the place is known: a point for a whole town has precision Settlement."),
    )
    incident_types = forms.ModelMultipleChoiceField(
        label=_("Incident types"),
        queryset=IncidentType.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every type that applies (mapped to ACLED event types)."),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Free words to group incidents, separated by commas."),
    )

    def clean_tags(self) -> list[str]:
        names = sorted({name.strip() for name in self.cleaned_data.get("tags", "").split(",") if name.strip()})
        too_long = [name for name in names if len(name) > TAG_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(
                _("A tag has at most %(limit)d characters."), code="max_length", params={"limit": TAG_MAX_LENGTH}
            )
        return names

    def clean_country_code(self) -> str:
        code: str = self.cleaned_data["country_code"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise forms.ValidationError(_("Give a two-letter country code, e.g. UA."), code="invalid")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for end in ("start", "end"):
            day, moment, precision = data.get(f"{end}_date"), data.get(f"{end}_time"), data.get(f"{end}_precision")
            if day is None and moment is not None:
                self.add_error(f"{end}_date", _("Give the date as well as the time."))
            if day is not None and moment is None and precision in TIMED_PRECISIONS:
                self.add_error(
                    f"{end}_time", _("Give the time, or choose a coarser precision (Day, Week, Month or Approximate).")
                )
            data[f"{end}_at"] = _aware(day, moment) if day is not None else None
        return data

    def incident_values(self) -> dict[str, Any]:
        """The values for incidents.services (after is_valid())."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "narrative": data["narrative"],
            "start_at": data["start_at"],
            "start_precision": data["start_precision"],
            "end_at": data["end_at"],
            "end_precision": data["end_precision"] if data["end_at"] else TimePrecision.EXACT,
            "place_name": data["place_name"],
            "country_code": data["country_code"],
            "admin1": data["admin1"],
            "admin2": data["admin2"],
            "admin3": data["admin3"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "location_precision": data["location_precision"],
        }

    @staticmethod
    def initial_for(incident: Incident) -> dict[str, Any]:
        start_date, start_time = _split(incident.start_at, incident.start_precision)
        end_date, end_time = _split(incident.end_at, incident.end_precision)
        return {
            "title": incident.title,
            "narrative": incident.narrative,
            "start_date": start_date,
            "start_time": start_time,
            "start_precision": incident.start_precision,
            "end_date": end_date,
            "end_time": end_time,
            "end_precision": incident.end_precision,
            "place_name": incident.place_name,
            "country_code": incident.country_code,
            "admin1": incident.admin1,
            "admin2": incident.admin2,
            "admin3": incident.admin3,
            "latitude": incident.latitude,
            "longitude": incident.longitude,
            "location_precision": incident.location_precision,
            "incident_types": list(incident.incident_types.all()),
            "tags": ", ".join(sorted(link.tag.name for link in incident.tag_links.all())),
        }


class CreateIncidentForm(IncidentForm):
    """The create form adds the idempotency token: a repeated submit of the same form creates nothing new."""

    idempotency_token = forms.UUIDField(widget=forms.HiddenInput)


# --- Inline rows --------------------------------------------------------------------------------


class SourceReferenceField(forms.CharField):
    """A source an allegation or figure cites: an existing source of the case (its id) or a new row ("new-N")."""

    widget = forms.Select

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.allowed: set[str] = set()

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {}  # no maxlength on a <select>

    def set_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        self.widget.choices = [("", "—"), *choices]
        self.allowed = {value for value, _label in choices}

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and value not in self.allowed and not _NEW_SOURCE.match(value):
            raise forms.ValidationError(_("Choose a source of this case, or a new source row."), code="invalid_choice")


def new_source_index(value: str) -> int | None:
    """The row index of a "new-N" reference (None for an existing source's id)."""
    match = _NEW_SOURCE.match(value or "")
    return int(match.group(1)) if match else None


def source_choices(sources: Sequence[Source], new_rows: int) -> list[tuple[str, str]]:
    existing = [(str(source.pk), str(source)) for source in sources]
    new = [
        (f"{NEW_SOURCE_PREFIX}{index}", str(_("New source row %(number)d") % {"number": index + 1}))
        for index in range(new_rows)
    ]
    return existing + new


class SourceForm(forms.Form):
    """A new source of the case, added with the incident (existing sources are chosen on the allegation rows)."""

    # A blank first choice: a row left untouched sends nothing and is skipped, rather than being half filled in.
    source_type = forms.ChoiceField(
        label=_("Type"), choices=[("", "—"), *SourceType.choices], help_text=_("What kind of source this is.")
    )
    title = forms.CharField(
        label=_("Title"), max_length=500, help_text=_("The report's, statement's or post's title or first words.")
    )
    publisher = forms.CharField(
        label=_("Publisher"),
        max_length=300,
        required=False,
        help_text=_("The organisation that published it, e.g. OHCHR."),
    )
    author = forms.CharField(label=_("Author"), max_length=300, required=False, help_text=_("Who wrote or said it."))
    url = forms.URLField(
        label=_("URL"),
        max_length=2000,
        required=False,
        assume_scheme="https",
        help_text=_("Where it can be found (archived copy if any)."),
    )
    published_on = forms.DateField(
        label=_("Published on"), required=False, widget=DateInput(), help_text=_("The date it was published.")
    )
    reliability = forms.ChoiceField(
        label=_("Reliability"),
        choices=SourceReliability.choices,
        initial=SourceReliability.UNKNOWN,
        help_text=_("The HURIDOCS scale; Unknown until assessed."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Provenance, credibility, independence."),
    )
    witness_name = forms.CharField(
        label=_("Witness name"),
        max_length=300,
        required=False,
        help_text=_("Witness identity: only roles with the right see it; observers never do."),
    )
    witness_contact = forms.CharField(
        label=_("Witness contact"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Witness identity: only roles with the right see it; observers never do."),
    )

    def __init__(self, *args: Any, show_witness_identity: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not show_witness_identity:
            del self.fields["witness_name"]
            del self.fields["witness_contact"]

    def source_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        published_on = data.pop("published_on", None)
        data["published_at"] = _aware(published_on, None) if published_on else None
        return data


class AllegationForm(forms.Form):
    """An allegation of the incident: a claim by a source on a date, with the weapon types it names."""

    id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    source = SourceReferenceField(
        label=_("Source"), help_text=_("Who makes the claim, or where it was published: a source of the case.")
    )
    claimant = forms.CharField(
        label=_("Claimant"),
        max_length=300,
        required=False,
        help_text=_("Who makes the claim, e.g. NATO Secretary General."),
    )
    asserted_on = forms.DateField(label=_("Asserted on"), widget=DateInput(), help_text=_("The date of the claim."))
    summary = forms.CharField(
        label=_("Summary"), max_length=500, help_text=_("The claim in one sentence: a claim, not a finding.")
    )
    quote = forms.CharField(
        label=_("Quote"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The claim in the source's own words."),
    )
    weapons = forms.MultipleChoiceField(
        label=_("Alleged weapons"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8, "data-weapon-select": ""}),
        help_text=_(
            "Weapon types the claim names, from the taxonomy (a family, a system or a munition). "
            "Search by any name or alias, in English or Ukrainian (e.g. vacuum bomb, касетні)."
        ),
    )
    confidence = forms.ChoiceField(
        label=_("Confidence"),
        required=False,
        choices=[("", _("Keep each weapon's own")), *WeaponConfidence.choices],
        initial=WeaponConfidence.ALLEGED,
        help_text=_("How firmly the source asserts the weapons were used."),
    )
    basis = forms.CharField(
        label=_("Basis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the weapon claim rests on: remnants, imagery, a statement."),
    )

    def __init__(
        self,
        *args: Any,
        sources: Sequence[tuple[str, str]] = (),
        weapons: Sequence[tuple[str, Any]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        source_field = self.fields["source"]
        assert isinstance(source_field, SourceReferenceField)  # noqa: S101 (declared above)
        source_field.set_choices(sources)
        weapon_field = self.fields["weapons"]
        assert isinstance(weapon_field, forms.MultipleChoiceField)  # noqa: S101
        weapon_field.choices = list(weapons)


class CasualtyFigureForm(forms.Form):
    """A new figure in a reporter's series for this incident. Saved figures are never changed: a correction is a
    new figure that names the one it corrects.
    """

    reporter = forms.CharField(
        label=_("Reporter"), max_length=300, help_text=_("Whose count this is, e.g. OHCHR, a regional administration.")
    )
    as_of = forms.DateField(label=_("As of"), widget=DateInput(), help_text=_("The date the count is as of."))
    period_start = forms.DateField(
        label=_("Counted since"),
        required=False,
        widget=DateInput(),
        help_text=_("The start of the period the count covers, if the reporter says."),
    )
    killed = forms.IntegerField(
        label=_("Killed"), required=False, min_value=0, help_text=_("People killed; leave empty if not reported.")
    )
    injured = forms.IntegerField(
        label=_("Injured"), required=False, min_value=0, help_text=_("People injured; leave empty if not reported.")
    )
    killed_children = forms.IntegerField(
        label=_("Children killed"), required=False, min_value=0, help_text=_("If the reporter breaks it down.")
    )
    injured_children = forms.IntegerField(
        label=_("Children injured"), required=False, min_value=0, help_text=_("If the reporter breaks it down.")
    )
    caveat = forms.CharField(
        label=_("Caveat"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The reporter's own caveat, e.g. actual numbers are considerably higher."),
    )
    source = SourceReferenceField(
        label=_("Source"),
        required=False,
        help_text=_("The report the figure comes from, if it is a source of the case."),
    )
    supersedes = forms.TypedChoiceField(
        label=_("Corrects"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("If this figure corrects a saved one (not merely a later count), the figure it corrects."),
    )

    def __init__(
        self,
        *args: Any,
        sources: Sequence[tuple[str, str]] = (),
        figures: Sequence[CasualtyFigure] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        source_field = self.fields["source"]
        assert isinstance(source_field, SourceReferenceField)  # noqa: S101
        source_field.set_choices(sources)
        supersedes = self.fields["supersedes"]
        assert isinstance(supersedes, forms.TypedChoiceField)  # noqa: S101
        supersedes.choices = [
            ("", _("Nothing: a new count")),
            *(
                (
                    str(figure.pk),
                    _("%(reporter)s as of %(as_of)s") % {"reporter": figure.reporter, "as_of": figure.as_of},
                )
                for figure in figures
            ),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("killed") is None and data.get("injured") is None and not self.errors:
            self.add_error("killed", _("Give the number killed, injured, or both."))
        return data


class BaseRowFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """Rows left as they were rendered (an untouched extra row) are skipped, not refused."""

    def changed_forms(self) -> list[forms.Form]:
        return [form for form in self.forms if form.has_changed() and form.is_valid()]


SourceFormSet = forms.formset_factory(SourceForm, formset=BaseRowFormSet, extra=1, max_num=50, validate_max=True)
AllegationFormSet = forms.formset_factory(
    AllegationForm, formset=BaseRowFormSet, extra=1, max_num=100, validate_max=True
)
CasualtyFigureFormSet = forms.formset_factory(
    CasualtyFigureForm, formset=BaseRowFormSet, extra=1, max_num=100, validate_max=True
)
