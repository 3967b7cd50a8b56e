"""Telling a lead that their bundle is ready: an in-app notification and an e-mail.

The builder (apps.exports.services.export_bundle_build) calls
``notification_export_ready`` once the bundle is done, inside its final
transaction, so the notification exists exactly when the register says
"done"; the e-mail goes after commit.
"""

from __future__ import annotations

import logging
import smtplib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from apps.comments.models import Notification

if TYPE_CHECKING:
    from apps.exports.models import ExportBundle

logger = logging.getLogger(__name__)

# The Notification kind of a finished bundle (apps.comments.enums.NotificationKind should list it).
EXPORT_READY = "export_ready"


def notification_export_ready(*, bundle: ExportBundle) -> Notification:
    """Notify the lead who requested the bundle that it is ready to download.

    Side effects: one Notification (kind "export_ready", linking to the
    bundle's page, where a fresh expiring download link is shown); after
    commit, one e-mail to the lead if they have an address. The e-mail links
    to the page, not to the file: the download link itself expires and must
    not sit in a mailbox. A failed e-mail is logged; the notification stays.
    """
    link = reverse("exports:detail", kwargs={"bundle_id": bundle.pk})
    with translation.override(settings.LANGUAGE_CODE):
        text = Truncator(_("The bundle of %(case)s is ready") % {"case": bundle.case.reference}).chars(300)
    notification = Notification.objects.create(
        recipient=bundle.requested_by, kind=EXPORT_READY, actor=None, text=text, link=link
    )
    transaction.on_commit(lambda: _export_ready_email_send(bundle=bundle, link=link))
    return notification


def _export_ready_email_send(*, bundle: ExportBundle, link: str) -> None:
    recipient = bundle.requested_by
    if not recipient.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "case": bundle.case.reference,
            "recipient": bundle.recipient_organisation or bundle.get_recipient_type_display(),
            "sha256": bundle.sha256,
            "link": f"{settings.CUSTOS_SITE_URL.rstrip('/')}{link}",
        }
        subject = _("[Custos] The bundle of %(case)s is ready") % values
        message = (
            _(
                "The bundle of %(case)s for %(recipient)s is ready.\n\n"
                "SHA-256: %(sha256)s\n\n"
                "Download it from its page (signed in, as a lead of the case):\n%(link)s\n"
            )
            % values
        )
    try:
        send_mail(subject=subject, message=message, from_email=None, recipient_list=[recipient.email])
    except (smtplib.SMTPException, OSError):
        logger.exception("Export-ready e-mail for bundle %s could not be sent", bundle.pk)
