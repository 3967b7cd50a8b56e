import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.evidence.models import EvidenceItem, IncidentLink
from apps.evidence.services import evidence_item_update, evidence_link_incident, evidence_unlink_incident
from tests.accounts.helpers import login_verified
from tests.factories import EvidenceItemFactory, IncidentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_edit_records_before_and_after_in_custody() -> None:
    item = EvidenceItemFactory(caption="Old caption", is_graphic=False)
    editor = UserFactory(username="editor")

    evidence_item_update(item=item, actor_user=editor, changes={"caption": "New caption", "is_graphic": True})

    item.refresh_from_db()
    event = item.custody_events.get()
    assert (item.caption, item.is_graphic, item.last_edited_by) == ("New caption", True, editor)
    assert (event.action, event.actor) == ("metadata_edited", "user:editor")
    assert event.details == {
        "changes": {
            "caption": {"before": "Old caption", "after": "New caption"},
            "is_graphic": {"before": False, "after": True},
        }
    }


def test_an_edit_that_changes_nothing_writes_nothing() -> None:
    item = EvidenceItemFactory(caption="Same")

    evidence_item_update(item=item, actor_user=UserFactory(), changes={"caption": "Same"})

    assert item.custody_events.count() == 0


def test_linking_and_unlinking_an_incident_are_custody_events() -> None:
    item = EvidenceItemFactory()
    incident = IncidentFactory(case=item.case, title="Shelling of Irpin")
    investigator = UserFactory(username="inv")

    evidence_link_incident(item=item, incident=incident, actor_user=investigator)
    evidence_link_incident(item=item, incident=incident, actor_user=investigator)  # already linked: no new event
    evidence_unlink_incident(item=item, incident=incident, actor_user=investigator, reason="wrong incident")

    assert list(item.custody_events.values_list("action", "details__incident_title")) == [
        ("incident_linked", "Shelling of Irpin"),
        ("incident_unlinked", "Shelling of Irpin"),
    ]
    assert IncidentLink.objects.count() == 0


def test_an_item_cannot_be_linked_to_another_cases_incident() -> None:
    item = EvidenceItemFactory()

    with pytest.raises(ValueError, match="its own case"):
        evidence_link_incident(item=item, incident=IncidentFactory(), actor_user=UserFactory())

    assert item.custody_events.count() == 0


def test_an_edit_in_the_admin_goes_into_custody(client: Client, admin_user: User) -> None:
    admin_client = client
    login_verified(admin_client, admin_user)
    item = EvidenceItemFactory(caption="Before")
    # Need-to-know holds in the admin too: the admin edits items of their own cases only.
    MembershipFactory(user=admin_user, case=item.case, role=CaseRole.LEAD)
    url = reverse("admin:evidence_evidenceitem_change", args=[item.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update({"caption": "After", "_save": "Save"})
    for prefix in ("incident_links",):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    event = EvidenceItem.objects.get(pk=item.pk).custody_events.get()
    assert event.details["changes"]["caption"] == {"before": "Before", "after": "After"}
    assert event.actor == f"user:{admin_user.get_username()}"
    assert admin.site.is_registered(EvidenceItem)
