from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseRole(models.TextChoices):
    """A user's role within one case; the same user may hold different roles in different cases."""

    INVESTIGATOR = "investigator", _("Investigator")
    REVIEWER = "reviewer", _("Reviewer")
    LEAD = "lead", _("Lead")
    OBSERVER = "observer", _("Observer")
