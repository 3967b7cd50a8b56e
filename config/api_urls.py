"""The REST API, version 1: every app's API routes under one "api" namespace."""

from apps.apitokens.api_urls import urlpatterns as apitoken_urls
from apps.cases.api_urls import urlpatterns as case_urls
from apps.comments.api_urls import urlpatterns as comment_urls
from apps.custody.api_urls import urlpatterns as custody_urls
from apps.evidence.api_urls import urlpatterns as evidence_urls
from apps.exports.api_urls import urlpatterns as export_urls
from apps.incidents.api_urls import urlpatterns as incident_urls
from apps.intake.api_urls import urlpatterns as intake_urls
from apps.review.api_urls import urlpatterns as review_urls
from apps.sources.api_urls import urlpatterns as source_urls
from apps.weapons.api_urls import urlpatterns as weapon_urls

app_name = "api"

urlpatterns = [
    *case_urls,
    *incident_urls,
    *source_urls,
    *weapon_urls,
    *evidence_urls,
    *custody_urls,
    *intake_urls,
    *review_urls,
    *comment_urls,
    *export_urls,
    *apitoken_urls,
]
