"""Forms of the review pages. They only parse and check input; the services decide and record."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.cases.models import Case
from apps.evidence.enums import EvidenceKind
from apps.incidents.enums import VerificationStatus
from apps.review.checklist import NOTE_MAX_LENGTH, QUESTIONS
from apps.review.enums import ChecklistAnswer, Decision, QueueAge, Sensitivity
from apps.review.selectors import QUEUE_STATES, QueueFilters
from apps.review.services import REASON_MAX_LENGTH


def _with_any(choices: list[tuple[str, Any]], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class QueueFilterForm(forms.Form):
    """The queue's filters, from the query string. Invalid values are reported and ignored, never a 500."""

    status = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=_with_any([(state.value, state.label) for state in QUEUE_STATES], _("All waiting")),
        help_text=_("Submitted, in review, or waiting for the investigator's answer."),
    )
    case = forms.ModelChoiceField(
        label=_("Case"),
        required=False,
        queryset=Case.objects.none(),
        empty_label=_("All my cases"),
        help_text=_("Only the cases where you review are listed."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=_with_any(list(EvidenceKind.choices), _("Any kind"))
    )
    age = forms.ChoiceField(
        label=_("Age"),
        required=False,
        choices=_with_any(list(QueueAge.choices), _("Any age")),
        help_text=_("Time since the item was received."),
    )
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity"),
        required=False,
        choices=_with_any(list(Sensitivity.choices), _("Any")),
        help_text=_("Only items flagged this way."),
    )

    def __init__(self, *args: Any, cases: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]

    def filters(self) -> QueueFilters:
        """The filters from the fields that are valid (an invalid one is reported by the form and not applied)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        case = data.get("case")
        age = data.get("age")
        return QueueFilters(
            status=data.get("status") or "",
            case_id=case.pk if case is not None else None,
            kind=data.get("kind") or "",
            older_than_days=int(age) if age else None,
            sensitivity=data.get("sensitivity") or "",
        )


def checklist_answer_field(question: str) -> str:
    return f"checklist_{question}_answer"


def checklist_note_field(question: str) -> str:
    return f"checklist_{question}_note"


class ReviewDecisionForm(forms.Form):
    """A reviewer's step on one item: the pressed button's decision, the texts, and the checklist.

    Whether the texts and answers are required depends on the decision; the service says so (and the view puts its
    errors on these fields), so that the rule is written once.
    """

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(decision.value, decision.label) for decision in Decision if decision != Decision.RESUBMIT],
        help_text=_("Start the review, approve, reject, or ask the investigator a question."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject: what is wrong with the item. Recorded in custody."),
    )
    question = forms.CharField(
        label=_("Question for the investigator"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to ask for more information: what the investigator should answer or add."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[checklist_answer_field(question.key)] = forms.ChoiceField(
                label=question.question,
                required=False,
                choices=list(ChecklistAnswer.choices),
                widget=forms.RadioSelect,
                help_text=question.help_text,
            )
            self.fields[checklist_note_field(question.key)] = forms.CharField(
                label=_("Note"),
                required=False,
                max_length=NOTE_MAX_LENGTH,
                help_text=_("What you checked, and what you found (optional)."),
            )

    def checklist_rows(self) -> list[dict[str, Any]]:
        """The checklist grouped for the template: the part, the answer field, the note field."""
        return [
            {
                "part": question.part,
                "key": question.key,
                "answer": self[checklist_answer_field(question.key)],
                "note": self[checklist_note_field(question.key)],
            }
            for question in QUESTIONS
        ]

    def checklist(self) -> dict[str, dict[str, str]]:
        answers = {}
        for question in QUESTIONS:
            answer = self.cleaned_data.get(checklist_answer_field(question.key)) or ""
            note = self.cleaned_data.get(checklist_note_field(question.key)) or ""
            if answer or note:
                answers[question.key] = {"answer": answer, "note": note}
        return answers

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put a service's ValidationError on the matching fields ("checklist.<key>" on that question's answer)."""
        for name, messages in errors.items():
            if name.startswith("checklist."):
                field: str | None = checklist_answer_field(name.removeprefix("checklist."))
            else:
                field = name
            if field not in self.fields:
                field = None
            for message in messages:
                self.add_error(field, message)


class ResubmitForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Answer the reviewer's question; the item goes back to the review queue as submitted."),
    )


class IncidentVerificationForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Verification status"),
        choices=list(VerificationStatus.choices),
        help_text=_("What the evidence establishes about this incident now."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required: what was checked, and against what. Kept in the incident's history."),
    )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
