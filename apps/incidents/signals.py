"""Empty the cached vocabularies of the incident pages when a vocabulary changes (in the admin, or a migration).

The incident types and the weapon taxonomy are read from the shared cache on every view of the incident list
(incidents.selectors.incident_type_vocabulary, page_data.list_filter_options). A change empties them once its
transaction commits: emptied earlier, a page could read the old rows again and keep them until they expire.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.incidents.models import IncidentType
from apps.incidents.page_data import forget_list_filter_options
from apps.incidents.selectors import forget_incident_type_vocabulary
from apps.weapons.models import WeaponType


def _forget_vocabularies() -> None:
    forget_incident_type_vocabulary()
    forget_list_filter_options()


@receiver(post_save, sender=IncidentType, dispatch_uid="incidents-forget-types-on-save")
@receiver(post_delete, sender=IncidentType, dispatch_uid="incidents-forget-types-on-delete")
@receiver(post_save, sender=WeaponType, dispatch_uid="incidents-forget-weapons-on-save")
@receiver(post_delete, sender=WeaponType, dispatch_uid="incidents-forget-weapons-on-delete")
def vocabulary_changed(sender: type[Any], **kwargs: Any) -> None:
    transaction.on_commit(_forget_vocabularies)
