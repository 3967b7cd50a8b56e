"""The committed OpenAPI schema (docs/openapi.yaml) is the one the code generates, and it is valid.

When this fails after an API change, regenerate it with `make openapi`, read the diff (it is the change
the API's users will see) and commit it with the code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.utils import translation

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"


def test_committed_schema_matches_the_code(tmp_path: Path) -> None:
    generated = tmp_path / "openapi.yaml"

    # --validate checks the schema against the OpenAPI 3 specification; --fail-on-warn refuses a view
    # whose request or response drf-spectacular had to guess.
    with translation.override("en"):  # the committed schema is in English, whatever an earlier test activated
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(generated))

    assert generated.read_text() == COMMITTED.read_text(), "docs/openapi.yaml is stale: run `make openapi`"


@pytest.mark.django_db
def test_the_schema_is_served_and_lists_every_api_route() -> None:
    response = Client().get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi"})

    served = yaml.safe_load(response.content)
    assert response.status_code == 200
    assert served == yaml.safe_load(COMMITTED.read_text())


@pytest.mark.django_db
def test_the_interactive_docs_load_their_code_from_this_server() -> None:
    response = Client().get("/api/docs/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert "<script>" not in page.replace(" ", "")  # no inline script: the CSP stays strict
