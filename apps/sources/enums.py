from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceType(models.TextChoices):
    NEWS_REPORT = "news_report", _("News report")
    OFFICIAL_STATEMENT = "official_statement", _("Official statement")
    UN_NGO_REPORT = "un_ngo_report", _("UN or NGO report")
    WITNESS_ACCOUNT = "witness_account", _("Witness account")
    SOCIAL_MEDIA_POST = "social_media_post", _("Social media post")
    SATELLITE_IMAGERY = "satellite_imagery", _("Satellite imagery")
    COURT_DOCUMENT = "court_document", _("Court or legal document")
    OTHER = "other", _("Other")


class SourceReliability(models.TextChoices):
    """HURIDOCS Events Standard Formats' reliability scale."""

    HIGHLY_RELIABLE = "highly_reliable", _("Highly reliable")
    RELIABLE = "reliable", _("Reliable")
    SOMEWHAT_RELIABLE = "somewhat_reliable", _("Somewhat reliable")
    UNRELIABLE = "unreliable", _("Unreliable")
    HIGHLY_UNRELIABLE = "highly_unreliable", _("Highly unreliable")
    UNKNOWN = "unknown", _("Unknown")
