"""How incidents' values are written on pages: times at their precision, vocabulary labels.

Written in Python because the incident list writes them on every row: an included template, or a model's
get_FOO_display() (which rebuilds the field's choices and translates each label on every call), costs several
times more. The template tags in templatetags/incident_tags.py are thin wrappers for the other pages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from django.db import models
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from apps.common.enums import TimePrecision
from apps.incidents.enums import VerificationStatus


@cache
def _labels(choices: type[models.TextChoices], language: str | None) -> dict[str, str]:
    """value -> label of a vocabulary in a language (the active one when first asked)."""
    return {value: str(label) for value, label in choices.choices}


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of ``value`` in the active language (the value itself if the vocabulary lacks it)."""
    return _labels(choices, get_language()).get(value, value)


def verification_label(value: str) -> str:
    return choice_label(VerificationStatus, value)


def _local_text(value: datetime, precision: str) -> str:
    local = timezone.localtime(value)
    day = f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    if precision == TimePrecision.EXACT:
        return f"{day} {local.hour:02d}:{local.minute:02d}"
    if precision == TimePrecision.HOUR:
        return f"{day} {local.hour:02d}:00"
    if precision == TimePrecision.MONTH:
        return f"{local.year:04d}-{local.month:02d}"
    return day


def time_html(value: datetime | None, precision: str) -> SafeString:
    """``<time>`` with the instant in UTC (machine-readable) and the time in the current time zone, as precise as
    recorded (a day, a month...), followed by the precision's name unless it is exact; a dash without a time."""
    if value is None:
        return SafeString("—")
    # Both times are digits and separators written above (nothing to escape); the precision's label is escaped.
    stamp = f'<time datetime="{value.astimezone(UTC).isoformat()}">{_local_text(value, precision)}</time>'
    if precision == TimePrecision.EXACT:
        return SafeString(stamp)
    return SafeString(f'{stamp} <span class="precision">({escape(choice_label(TimePrecision, precision))})</span>')
