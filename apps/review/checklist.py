"""The review checklist, after the three parts of verification in the Berkeley Protocol on Digital Open Source
Investigations (OHCHR and UC Berkeley Human Rights Center, 2022, chapter VI "Verification"): source analysis,
technical analysis and content analysis.

Each question is answered yes / no / unclear / not applicable, with an optional note. Every answer is recorded (in
the review history and in the item's custody event). Approval requires every question to be answered, not every
answer to be "yes": a reviewer may approve an item whose source is unclear, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from apps.review.enums import ChecklistAnswer

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class ChecklistQuestion:
    key: str
    part: StrPromise
    question: StrPromise
    help_text: StrPromise


SOURCE = _("Source analysis")
TECHNICAL = _("Technical analysis")
CONTENT = _("Content analysis")

QUESTIONS: tuple[ChecklistQuestion, ...] = (
    ChecklistQuestion(
        key="provenance",
        part=SOURCE,
        question=_("Is the provenance known: who first captured or published it, and how it reached us?"),
        help_text=_("Trace the item to its original uploader or author; note every hand it passed through."),
    ),
    ChecklistQuestion(
        key="credibility",
        part=SOURCE,
        question=_("Is the source credible for this kind of material?"),
        help_text=_("Past reliability, access to the scene, expertise, and possible motives or affiliations."),
    ),
    ChecklistQuestion(
        key="independence",
        part=SOURCE,
        question=_("Is the source independent of the other sources that support the same claim?"),
        help_text=_("Copies, reposts and sources that rely on each other do not corroborate one another."),
    ),
    ChecklistQuestion(
        key="metadata",
        part=TECHNICAL,
        question=_("Is the metadata consistent with the claimed time, place and device?"),
        help_text=_(
            "Compare the extracted capture time, coordinates and camera with what is declared; note stripped or "
            "edited metadata and any sign of manipulation."
        ),
    ),
    ChecklistQuestion(
        key="geolocation",
        part=CONTENT,
        question=_("Is the place confirmed (geolocation)?"),
        help_text=_("Match landmarks, terrain, signs or buildings against maps and satellite imagery."),
    ),
    ChecklistQuestion(
        key="chronolocation",
        part=CONTENT,
        question=_("Is the time confirmed (chronolocation)?"),
        help_text=_("Shadows, weather, seasonal cues and events visible in the material, against the claimed time."),
    ),
    ChecklistQuestion(
        key="corroboration",
        part=CONTENT,
        question=_("Is the content corroborated by other, independent material?"),
        help_text=_("Other items, witness statements or reports that show the same event."),
    ),
)

KEYS: tuple[str, ...] = tuple(question.key for question in QUESTIONS)


class ChecklistError(ValueError):
    """The checklist answers are malformed; ``errors`` maps a question key (or "checklist") to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


def checklist_normalise(answers: object) -> dict[str, dict[str, str]]:
    """Answers as stored: ``{key: {"answer": ..., "note": ...}}`` for the questions answered, in checklist order.

    Refuses unknown keys, unknown answers and over-long notes (ChecklistError). A question with neither answer nor
    note is left out; a note without an answer is refused, since it would be recorded as if answered.
    """
    if answers is None:
        return {}
    if not isinstance(answers, dict):
        raise ChecklistError({"checklist": str(_("The checklist must map question keys to answers."))})
    errors: dict[str, str] = {}
    unknown = sorted(str(key) for key in answers if key not in KEYS)
    if unknown:
        errors["checklist"] = str(_("Unknown checklist questions: %(keys)s.") % {"keys": ", ".join(unknown)})
    normalised: dict[str, dict[str, str]] = {}
    for key in KEYS:
        entry: Any = answers.get(key)
        if entry is None:
            continue
        if not isinstance(entry, dict):
            errors[key] = str(_("Give an answer and, optionally, a note."))
            continue
        answer = entry.get("answer") or ""
        note = entry.get("note") or ""
        if not isinstance(answer, str) or not isinstance(note, str):
            errors[key] = str(_("The answer and the note must be text."))
            continue
        note = note.strip()
        if answer and answer not in ChecklistAnswer.values:
            errors[key] = str(_("Answer yes, no, unclear or not applicable."))
        elif len(note) > NOTE_MAX_LENGTH:
            errors[key] = str(_("Keep the note under %(limit)d characters.") % {"limit": NOTE_MAX_LENGTH})
        elif note and not answer:
            errors[key] = str(_("Answer the question as well as writing a note."))
        elif answer:
            normalised[key] = {"answer": answer, "note": note}
    if errors:
        raise ChecklistError(errors)
    return normalised


def checklist_unanswered(answers: dict[str, dict[str, str]]) -> list[str]:
    """The keys of the questions not answered, in checklist order."""
    return [key for key in KEYS if key not in answers]
