"""The display time zone: each user's own, or the site's (settings.TIME_ZONE, DISPLAY_TIME_ZONE, Europe/Kyiv).

Times are stored in UTC. Pages show them in the zone activated for the
request (UserTimeZoneMiddleware); the API always answers in UTC.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from apps.accounts.models import User


@cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA zone names this machine knows (system tzdata or the tzdata package), sorted.

    Computed once: available_timezones() walks the zone database on disk.
    """
    return tuple(sorted(zoneinfo.available_timezones()))


def time_zone_validate(value: str) -> None:
    """Refuse a name that is not a known IANA time zone ("" is allowed: the site default)."""
    if value and value not in time_zone_names():
        raise ValidationError(_("“%(value)s” is not a known time zone."), code="invalid", params={"value": value})


def user_time_zone(user: User) -> zoneinfo.ZoneInfo:
    """The zone pages show this user's times in: their own choice, else the site default.

    A stored name the machine no longer knows (tzdata changed) falls back to the default
    instead of failing the request.
    """
    name = user.time_zone or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def user_time_zone_set(*, user: User, time_zone: str) -> None:
    """Store the user's display time zone ("" for the site default).

    Side effects: saves user.time_zone only. Not a security event: it changes what
    the user sees, not what they may do.
    """
    time_zone_validate(time_zone)
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
