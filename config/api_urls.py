"""The REST API, version 1: every app's API routes under one "api" namespace."""

from apps.apitokens.api_urls import urlpatterns as apitoken_urls
from apps.comments.api_urls import urlpatterns as comment_urls
from apps.custody.api_urls import urlpatterns as custody_urls
from apps.exports.api_urls import urlpatterns as export_urls
from apps.intake.api_urls import urlpatterns as intake_urls
from apps.review.api_urls import urlpatterns as review_urls

app_name = "api"

urlpatterns = [*custody_urls, *intake_urls, *review_urls, *comment_urls, *export_urls, *apitoken_urls]
