"""API routes of intake (included under api/v1/ in the "api" namespace).

An item's status after an upload is read from its record, api:evidence-detail (apps/evidence/api_urls.py).
"""

from django.urls import path

from apps.intake import api, tus

urlpatterns = [
    path("cases/<uuid:case_id>/evidence/", api.EvidenceUploadView.as_view(), name="evidence-upload"),
    # Resumable uploads (tus 1.0): plain views, the protocol is not REST.
    path("cases/<uuid:case_id>/tus/", tus.tus_create, name="tus-create"),
    path("tus/<uuid:upload_id>", tus.tus_upload, name="tus-upload"),
]
