"""Template context every page gets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest


def map_settings(request: HttpRequest) -> dict[str, dict[str, str]]:
    """Where maps take their tiles and boundaries from (static/common/map.js reads them from data attributes).

    An empty tile URL is the offline default: maps show points, boundaries and coordinates without tiles.
    """
    return {
        "map_settings": {
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "boundaries_url": settings.MAP_BOUNDARIES_URL,
        }
    }
