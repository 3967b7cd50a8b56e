"""The review workflow's services: the state machine, the four-eyes rule, the custody record, the checklist."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.cases.models import Case
from apps.custody.enums import CustodyAction
from apps.custody.models import CustodyEvent
from apps.custody.selectors import custody_verify
from apps.custody.services import custody_record
from apps.evidence.enums import ReviewStatus
from apps.evidence.models import EvidenceItem
from apps.incidents.enums import VerificationStatus
from apps.review.enums import Decision
from apps.review.models import HistoryImmutableError, IncidentVerificationChange, ReviewDecision
from apps.review.services import (
    TRANSITIONS,
    FourEyesViolationError,
    ReviewNotAllowedError,
    TransitionNotAllowedError,
    decisions_from,
    evidence_review_decide,
    evidence_review_start_many,
    incident_verification_set,
)
from tests.factories import IncidentFactory, MembershipFactory
from tests.review.conftest import FULL_CHECKLIST, make_item

pytestmark = pytest.mark.django_db

# Valid input for each step, so that only the state decides.
VALID_INPUT = {
    Decision.START: {},
    Decision.APPROVE: {"checklist": FULL_CHECKLIST},
    Decision.REJECT: {"reason": "The video is a re-upload of a 2014 clip."},
    Decision.NEEDS_INFO: {"question": "Who filmed this, and from where?"},
    Decision.RESUBMIT: {"answer": "A resident, from her balcony."},
}

ALLOWED = {
    (ReviewStatus.SUBMITTED, Decision.START): ReviewStatus.IN_REVIEW,
    (ReviewStatus.IN_REVIEW, Decision.APPROVE): ReviewStatus.APPROVED,
    (ReviewStatus.IN_REVIEW, Decision.REJECT): ReviewStatus.REJECTED,
    (ReviewStatus.IN_REVIEW, Decision.NEEDS_INFO): ReviewStatus.NEEDS_INFO,
    (ReviewStatus.NEEDS_INFO, Decision.RESUBMIT): ReviewStatus.SUBMITTED,
}
ALL_PAIRS = [(status, decision) for status in ReviewStatus for decision in Decision]


def _actor(decision: Decision, reviewer: User, investigator: User) -> User:
    return investigator if decision == Decision.RESUBMIT else reviewer


def test_the_transition_table_is_exactly_the_documented_workflow() -> None:
    table = {
        (source, decision): transition.target
        for decision, transition in TRANSITIONS.items()
        for source in transition.sources
    }

    assert table == ALLOWED
    assert decisions_from(ReviewStatus.IN_REVIEW) == [Decision.APPROVE, Decision.REJECT, Decision.NEEDS_INFO]
    assert decisions_from(ReviewStatus.APPROVED) == []


@pytest.mark.parametrize(("status", "decision"), [pair for pair in ALL_PAIRS if pair in ALLOWED])
def test_an_allowed_transition_moves_the_item_and_records_it(
    case: Case, reviewer: User, investigator: User, status: ReviewStatus, decision: Decision
) -> None:
    item = make_item(case, investigator, review_status=status)

    recorded = evidence_review_decide(
        item=item, user=_actor(decision, reviewer, investigator), decision=decision, **VALID_INPUT[decision]
    )

    item.refresh_from_db()
    assert item.review_status == ALLOWED[(status, decision)]
    assert (recorded.decision, recorded.from_status, recorded.to_status) == (
        decision,
        status,
        ALLOWED[(status, decision)],
    )


@pytest.mark.parametrize(("status", "decision"), [pair for pair in ALL_PAIRS if pair not in ALLOWED])
def test_a_transition_not_in_the_table_is_refused_and_changes_nothing(
    case: Case, reviewer: User, lead: User, status: ReviewStatus, decision: Decision
) -> None:
    # The lead uploaded it, so the resubmit is refused for the state, not for the role.
    item = make_item(case, lead, review_status=status)

    with pytest.raises(TransitionNotAllowedError) as refused:
        evidence_review_decide(
            item=item, user=_actor(decision, reviewer, lead), decision=decision, **VALID_INPUT[decision]
        )

    assert list(refused.value.message_dict) == ["decision"]
    item.refresh_from_db()
    assert item.review_status == status
    assert (ReviewDecision.objects.count(), CustodyEvent.objects.count()) == (0, 0)


@pytest.mark.parametrize("field", ["uploaded_by", "collected_by", "last_edited_by"])
@pytest.mark.parametrize("decision", [Decision.APPROVE, Decision.REJECT])
def test_a_reviewer_cannot_decide_on_an_item_they_uploaded_collected_or_last_edited(
    case: Case, reviewer: User, investigator: User, field: str, decision: Decision
) -> None:
    item = make_item(case, **{"uploaded_by": investigator, field: reviewer}, review_status=ReviewStatus.IN_REVIEW)

    with pytest.raises(FourEyesViolationError) as refused:
        evidence_review_decide(item=item, user=reviewer, decision=decision, **VALID_INPUT[decision])

    assert "four-eyes rule" in str(refused.value)
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.IN_REVIEW
    assert (ReviewDecision.objects.count(), CustodyEvent.objects.count()) == (0, 0)


def test_the_four_eyes_rule_also_holds_for_a_lead(case: Case, lead: User) -> None:
    item = make_item(case, lead, review_status=ReviewStatus.IN_REVIEW)

    with pytest.raises(FourEyesViolationError):
        evidence_review_decide(item=item, user=lead, decision=Decision.APPROVE, checklist=FULL_CHECKLIST)


def test_a_lead_can_approve_someone_elses_item(case: Case, lead: User, item_in_review: EvidenceItem) -> None:
    evidence_review_decide(item=item_in_review, user=lead, decision=Decision.APPROVE, checklist=FULL_CHECKLIST)

    item_in_review.refresh_from_db()
    assert item_in_review.review_status == ReviewStatus.APPROVED


@pytest.mark.parametrize("role_user", ["investigator", "observer", "other_case_member", "outsider"])
def test_only_reviewers_and_leads_of_the_case_may_review(
    request: pytest.FixtureRequest, item: EvidenceItem, role_user: str
) -> None:
    user = request.getfixturevalue(role_user)

    with pytest.raises(ReviewNotAllowedError):
        evidence_review_decide(item=item, user=user, decision=Decision.START)

    item.refresh_from_db()
    assert item.review_status == ReviewStatus.SUBMITTED


def test_only_whoever_may_edit_the_item_may_resubmit_it(case: Case, investigator: User, reviewer: User) -> None:
    item = make_item(case, investigator, review_status=ReviewStatus.NEEDS_INFO)
    colleague = MembershipFactory(case=case, user__username="petro").user

    with pytest.raises(ReviewNotAllowedError):
        evidence_review_decide(item=item, user=colleague, decision=Decision.RESUBMIT, answer="From the roof.")
    with pytest.raises(ReviewNotAllowedError):
        evidence_review_decide(item=item, user=reviewer, decision=Decision.RESUBMIT, answer="From the roof.")


def test_every_decision_writes_one_custody_event_with_the_exact_details_and_the_chain_verifies(
    case: Case, reviewer: User, investigator: User
) -> None:
    item = make_item(case, investigator)
    custody_record(item=item, action=CustodyAction.RECEIVED, actor_user=investigator)
    steps = [
        (reviewer, Decision.START, {}),
        (reviewer, Decision.NEEDS_INFO, {"question": "Who filmed this?"}),
        (investigator, Decision.RESUBMIT, {"answer": "A neighbour."}),
        (reviewer, Decision.START, {}),
        (reviewer, Decision.APPROVE, {"checklist": FULL_CHECKLIST}),
    ]

    for user, decision, given in steps:
        evidence_review_decide(item=item, user=user, decision=decision, **given)

    events = list(CustodyEvent.objects.filter(item=item).order_by("sequence"))
    assert [(event.sequence, event.action, event.actor) for event in events] == [
        (1, CustodyAction.RECEIVED, "user:ivan"),
        (2, CustodyAction.REVIEW_DECISION, "user:alice"),
        (3, CustodyAction.REVIEW_DECISION, "user:alice"),
        (4, CustodyAction.REVIEW_DECISION, "user:ivan"),
        (5, CustodyAction.REVIEW_DECISION, "user:alice"),
        (6, CustodyAction.REVIEW_DECISION, "user:alice"),
    ]
    assert [event.actor_user_id for event in events[1:]] == [reviewer.pk, reviewer.pk, investigator.pk] + [
        reviewer.pk
    ] * 2
    empty = {"reason": "", "question": "", "checklist": {}}
    assert [event.details for event in events[1:]] == [
        {**empty, "decision": "review_started", "from_status": "submitted", "to_status": "in_review"},
        {
            **empty,
            "decision": "needs_info",
            "question": "Who filmed this?",
            "from_status": "in_review",
            "to_status": "needs_info",
        },
        {
            **empty,
            "decision": "resubmitted",
            "answer": "A neighbour.",
            "from_status": "needs_info",
            "to_status": "submitted",
        },
        {**empty, "decision": "review_started", "from_status": "submitted", "to_status": "in_review"},
        {
            **empty,
            "decision": "approved",
            "checklist": FULL_CHECKLIST,
            "from_status": "in_review",
            "to_status": "approved",
        },
    ]
    assert custody_verify(item_id=item.pk).ok is True
    assert list(ReviewDecision.objects.filter(item=item).values_list("decision", flat=True)) == [
        "review_started",
        "needs_info",
        "resubmitted",
        "review_started",
        "approved",
    ]


def test_a_rejection_records_its_reason_in_custody(reviewer: User, item_in_review: EvidenceItem) -> None:
    evidence_review_decide(
        item=item_in_review, user=reviewer, decision=Decision.REJECT, reason="  Staged; see the shadows.  "
    )

    event = CustodyEvent.objects.get(item=item_in_review)
    assert event.details == {
        "decision": "rejected",
        "reason": "Staged; see the shadows.",
        "question": "",
        "checklist": {},
        "from_status": "in_review",
        "to_status": "rejected",
    }


@pytest.mark.parametrize(
    ("decision", "given", "errors"),
    [
        (Decision.REJECT, {"reason": "   "}, {"reason": ["Give the reason for rejecting the item."]}),
        (Decision.NEEDS_INFO, {}, {"question": ["Write the question the investigator should answer."]}),
        (
            Decision.APPROVE,
            {"checklist": {key: FULL_CHECKLIST[key] for key in list(FULL_CHECKLIST)[:5]}},
            {
                "checklist.chronolocation": ["Answer this question before approving."],
                "checklist.corroboration": ["Answer this question before approving."],
            },
        ),
        (
            Decision.APPROVE,
            {"checklist": {**FULL_CHECKLIST, "provenance": {"answer": "maybe", "note": ""}, "vibes": {}}},
            {
                "checklist": ["Unknown checklist questions: vibes."],
                "checklist.provenance": ["Answer yes, no, unclear or not applicable."],
            },
        ),
        (
            Decision.APPROVE,
            {"checklist": {**FULL_CHECKLIST, "metadata": {"answer": "", "note": "EXIF stripped"}}},
            {"checklist.metadata": ["Answer the question as well as writing a note."]},
        ),
        (Decision.APPROVE, {"checklist": ["yes"]}, {"checklist": ["The checklist must map question keys to answers."]}),
    ],
)
def test_invalid_input_is_refused_with_field_errors(
    reviewer: User, item_in_review: EvidenceItem, decision: Decision, given: dict[str, object], errors: object
) -> None:
    with pytest.raises(ValidationError) as refused:
        evidence_review_decide(item=item_in_review, user=reviewer, decision=decision, **given)  # type: ignore[arg-type]

    assert refused.value.message_dict == errors
    item_in_review.refresh_from_db()
    assert item_in_review.review_status == ReviewStatus.IN_REVIEW
    assert CustodyEvent.objects.count() == 0


def test_approval_accepts_no_and_not_applicable_answers(reviewer: User, item_in_review: EvidenceItem) -> None:
    checklist = {key: {"answer": "no" if index else "not_applicable"} for index, key in enumerate(FULL_CHECKLIST)}

    recorded = evidence_review_decide(
        item=item_in_review, user=reviewer, decision=Decision.APPROVE, checklist=checklist
    )

    assert recorded.checklist == {key: {**value, "note": ""} for key, value in checklist.items()}


def test_the_history_is_append_only(reviewer: User, item: EvidenceItem) -> None:
    recorded = evidence_review_decide(item=item, user=reviewer, decision=Decision.START)
    recorded.reason = "changed afterwards"

    with pytest.raises(HistoryImmutableError):
        recorded.save()
    with pytest.raises(HistoryImmutableError):
        recorded.delete()


def test_bulk_start_writes_one_event_per_item_and_skips_four_eyes_conflicts(
    case: Case, reviewer: User, investigator: User
) -> None:
    mine = make_item(case, reviewer)
    others = [make_item(case, investigator) for _ in range(3)]
    already = make_item(case, investigator, review_status=ReviewStatus.IN_REVIEW)

    result = evidence_review_start_many(items=[*others, mine, already], user=reviewer)

    assert result.started == others
    assert [(item, reason) for item, reason in result.refused] == [
        (mine, "You uploaded this item, so someone else must review it (four-eyes rule)."),
        (already, "An item that is “In review” cannot be “Review started”."),
    ]
    assert sorted(CustodyEvent.objects.values_list("item_id", flat=True)) == sorted(item.pk for item in others)
    assert set(EvidenceItem.objects.filter(pk__in=[i.pk for i in others]).values_list("review_status", flat=True)) == {
        ReviewStatus.IN_REVIEW
    }


# --- Incident verification ----------------------------------------------------------------------


def test_a_reviewer_sets_an_incidents_verification_status_with_history(case: Case, reviewer: User, lead: User) -> None:
    incident = IncidentFactory(case=case)

    incident_verification_set(incident=incident, user=reviewer, status="partially_verified", reason="Geolocated.")
    incident_verification_set(incident=incident, user=lead, status=VerificationStatus.VERIFIED, reason="Two sources.")

    incident.refresh_from_db()
    assert incident.verification_status == VerificationStatus.VERIFIED
    assert list(
        IncidentVerificationChange.objects.filter(incident=incident).values_list(
            "changed_by__username", "from_status", "to_status", "reason"
        )
    ) == [
        ("alice", "unverified", "partially_verified", "Geolocated."),
        ("lena", "partially_verified", "verified", "Two sources."),
    ]


def test_incident_verification_needs_a_reason_and_a_change(case: Case, reviewer: User) -> None:
    incident = IncidentFactory(case=case)

    with pytest.raises(ValidationError) as refused:
        incident_verification_set(incident=incident, user=reviewer, status="unverified", reason=" ")

    assert refused.value.message_dict == {
        "status": ["The incident already has this status."],
        "reason": ["Give the reason for the change."],
    }
    assert IncidentVerificationChange.objects.count() == 0


@pytest.mark.parametrize("role_user", ["investigator", "observer", "other_case_member", "outsider"])
def test_only_reviewers_and_leads_set_verification(request: pytest.FixtureRequest, case: Case, role_user: str) -> None:
    incident = IncidentFactory(case=case)

    with pytest.raises(ReviewNotAllowedError):
        incident_verification_set(
            incident=incident, user=request.getfixturevalue(role_user), status="verified", reason="Sure."
        )

    incident.refresh_from_db()
    assert incident.verification_status == VerificationStatus.UNVERIFIED
