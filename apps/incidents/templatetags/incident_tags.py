"""Template tags of the incident pages (the functions are in apps/incidents/display.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template

from apps.incidents import display

if TYPE_CHECKING:
    from datetime import datetime

    from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def when(value: datetime | None, precision: str) -> SafeString:
    """An incident's time at its precision (display.time_html)."""
    return display.time_html(value, precision)
