"""Writes to the bundle register: request an export, build it."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.custody.enums import CustodyAction
from apps.custody.hashing import format_time
from apps.custody.merkle import leaf_hash
from apps.custody.models import CustodyCheckpoint, CustodyEvent, IntegrityAlert
from apps.custody.selectors import checkpoint_leaves
from apps.custody.services import custody_record, integrity_alert_notify, system_actor
from apps.evidence.enums import ConsentStatus, EvidenceKind, IntegrityStatus, ProcessingStatus, ReviewStatus
from apps.evidence.models import Derivative, EvidenceItem
from apps.evidence.storage import evidence_storage
from apps.exports import metadata as meta
from apps.exports.bag import BagZipWriter, WrittenEntry
from apps.exports.enums import RECIPIENT_SHARING_FIELD, ExportStatus, RecipientType
from apps.exports.keys import SigningKeyError, public_key_fingerprint, public_key_pem, signing_key_load
from apps.exports.models import ExportBundle
from apps.exports.notify import notification_export_ready
from apps.exports.permissions import can_export
from apps.exports.report import render_report
from apps.incidents.models import Allegation, AllegedWeapon, CasualtyFigure, Incident
from apps.review.models import ReviewDecision
from apps.sources.models import Source
from apps.weapons.models import WeaponType

if TYPE_CHECKING:
    from uuid import UUID

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from apps.cases.models import Case

logger = logging.getLogger(__name__)


def export_bundle_create(
    *,
    case: Case,
    requested_by: User,
    recipient_type: str,
    recipient_organisation: str,
    recipient_person: str,
    purpose: str,
    incidents: Iterable[Incident] = (),
    include_pending: bool = False,
    include_derivatives: bool = False,
    enqueue: bool = True,
) -> ExportBundle:
    """Register an export request (status pending) and enqueue its build once the transaction commits.

    Only a lead of the case may export (PermissionDenied otherwise); incidents must belong to the case
    (ValueError). Side effects: one ExportBundle row; after commit, the exports.build_bundle task
    (unless ``enqueue`` is False: the export_bundle command builds in its own process).
    """
    if not can_export(requested_by, case):
        raise PermissionDenied("only a lead of the case may export it")
    if recipient_type not in RecipientType.values:
        raise ValueError(f"unknown recipient type {recipient_type!r}")
    chosen = list(incidents)
    if any(incident.case_id != case.pk for incident in chosen):
        raise ValueError("an export can only include incidents of its own case")
    with transaction.atomic():
        bundle = ExportBundle.objects.create(
            case=case,
            requested_by=requested_by,
            status=ExportStatus.PENDING,
            recipient_type=recipient_type,
            recipient_organisation=recipient_organisation,
            recipient_person=recipient_person,
            purpose=purpose,
            include_pending=include_pending,
            include_derivatives=include_derivatives,
        )
        if chosen:
            bundle.incidents.set(chosen)
        if enqueue:
            transaction.on_commit(lambda: export_bundle_enqueue(bundle_id=str(bundle.pk)))
    return bundle


def export_bundle_enqueue(*, bundle_id: str) -> bool:
    """Send the build to the broker. False (logged) when the broker cannot be reached."""
    from apps.exports.tasks import build_bundle  # noqa: PLC0415 (tasks import services)

    try:
        build_bundle.apply_async(kwargs={"bundle_id": bundle_id})
    except Exception:
        logger.warning("could not enqueue the build of bundle %s", bundle_id, exc_info=True)
        return False
    return True


# --- Building ------------------------------------------------------------------------------

BUNDLE_FILES_DIR = Path(__file__).resolve().parent / "bundle_files"
TAG_FILES_FROM_SOURCE = ("VERIFY.txt", "verify.py")
PROGRESS_EVERY_SECONDS = 1.0
PROGRESS_EVERY_BYTES = 64 * 1024 * 1024
MAX_NAME_LENGTH = 100

# Reasons in excluded.json: fixed English text, never the restricted content itself.
REASON_REJECTED = "rejected in review"
REASON_NOT_APPROVED = "not approved yet (review status: {status})"
REASON_CONSENT_REFUSED = "consent refused"
REASON_NOT_CLEARED = "not cleared for sharing with this recipient type ({recipient_type})"
REASON_NO_ORIGINAL = "no archived original (processing status: {status})"
REASON_PHYSICAL = "physical item: no digital original"


class BundleIntegrityError(Exception):
    """A stored file does not match its recorded hashes (or is missing): the export must stop."""

    def __init__(self, *, item: EvidenceItem, problem: str, expected: dict[str, Any], found: dict[str, Any]) -> None:
        self.item, self.problem, self.expected, self.found = item, problem, expected, found
        super().__init__(f"{item.reference}: {problem}")


def _bagging_date(bundle: ExportBundle) -> datetime:
    if bundle.bagging_date is None:
        raise ValueError("the bundle's bagging date is not set")
    return bundle.bagging_date


def sanitised_name(name: str) -> str:
    """A declared filename made safe as one path segment (NFC; letters, digits and ._- kept; at most 100)."""
    normal = unicodedata.normalize("NFC", name)
    safe = "".join(ch if (ch.isascii() and (ch.isalnum() or ch in "._-")) or ch.isalpha() else "_" for ch in normal)
    if len(safe) > MAX_NAME_LENGTH:
        stem, dot, extension = safe.rpartition(".")
        if dot and stem and 0 < len(extension) <= 10:
            safe = stem[: MAX_NAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            safe = safe[:MAX_NAME_LENGTH]
    if safe.startswith("."):
        safe = "_" + safe[1:]
    return safe or "file"


def evidence_path(item: EvidenceItem) -> str:
    return f"data/evidence/{item.pk}__{sanitised_name(item.original_filename)}"


def _derivative_path(derivative: Derivative) -> str:
    suffix = "_blurred" if derivative.blurred else ""
    return f"data/derivatives/{derivative.item_id}__{sanitised_name(derivative.kind)}{suffix}.jpg"


@dataclass
class PlannedItem:
    item: EvidenceItem
    path: str
    derivatives: list[tuple[str, Derivative]] = field(default_factory=list)


@dataclass
class BundlePlan:
    """What a bundle will hold, read from the database before a byte is written."""

    top: str
    items: list[PlannedItem]
    excluded: list[dict[str, str]]
    small_files: dict[str, bytes]  # payload files made here (metadata, custody, report), by path

    @property
    def payload_oxum(self) -> tuple[int, int]:
        size = sum(len(data) for data in self.small_files.values())
        count = len(self.small_files)
        for planned in self.items:
            size += planned.item.size_bytes or 0
            count += 1
            for _path, derivative in planned.derivatives:
                size += derivative.size_bytes
                count += 1
        return size, count


def _exclusion_reason(item: EvidenceItem, bundle: ExportBundle) -> str:  # noqa: PLR0911 (one rule a line)
    if item.review_status == ReviewStatus.REJECTED:
        return REASON_REJECTED
    if item.review_status != ReviewStatus.APPROVED and not bundle.include_pending:
        return REASON_NOT_APPROVED.format(status=item.review_status)
    if item.consent_status == ConsentStatus.REFUSED:
        return REASON_CONSENT_REFUSED
    if not getattr(item, RECIPIENT_SHARING_FIELD[bundle.recipient_type]):
        return REASON_NOT_CLEARED.format(recipient_type=bundle.recipient_type)
    if item.kind == EvidenceKind.PHYSICAL and not item.storage_name:
        return REASON_PHYSICAL
    if item.processing_status != ProcessingStatus.ARCHIVED or not item.storage_name:
        return REASON_NO_ORIGINAL.format(status=item.processing_status)
    return ""


def _custody_lines(item_ids: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """Each item's chain, in order: every event as the fields its hash covers, plus its ``event_hash``."""
    chains: dict[str, list[dict[str, Any]]] = defaultdict(list)
    events = (
        CustodyEvent.objects.filter(item_id__in=item_ids)
        .order_by("item_id", "sequence")
        .values_list(
            "item_id",
            "sequence",
            "action",
            "actor",
            "actor_user_id",
            "occurred_at",
            "details",
            "prev_hash",
            "event_hash",
        )
    )
    for item_id, sequence, action, actor, actor_user_id, occurred_at, details, prev_hash, digest in events.iterator():
        chains[str(item_id)].append(
            {
                "action": action,
                "actor": actor,
                "actor_user_id": actor_user_id,
                "details": details,
                "item_id": str(item_id),
                "occurred_at": format_time(occurred_at),
                "prev_hash": prev_hash,
                "sequence": sequence,
                "event_hash": digest,
            }
        )
    return chains


def _jsonl(chain: list[dict[str, Any]]) -> bytes:
    lines = [json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n" for event in chain]
    return "".join(lines).encode("utf-8")


def _thumbnail(item: EvidenceItem, derivatives: list[Derivative]) -> bytes | None:
    thumbnails = [d for d in derivatives if d.kind == "thumbnail"]
    # A graphic item's report shows its blurred thumbnail, as the item page does.
    thumbnails.sort(key=lambda d: (d.blurred != item.is_graphic, d.pk))
    if not thumbnails:
        return None
    try:
        with evidence_storage().open(thumbnails[0].storage_name, "rb") as stored:
            data: bytes = stored.read()
    except FileNotFoundError:
        return None
    return data


def bundle_plan(*, bundle: ExportBundle) -> BundlePlan:  # noqa: PLR0912, PLR0915 (one linear read of the case)
    """Read everything the bundle holds, except the originals and derivatives themselves."""
    case = bundle.case
    chosen_incidents = list(bundle.incidents.order_by("id").values_list("id", flat=True))
    items_query = EvidenceItem.objects.filter(case=case).select_related("case")
    incidents_query = Incident.objects.filter(case=case)
    if chosen_incidents:
        items_query = items_query.filter(incidents__in=chosen_incidents).distinct()
        incidents_query = incidents_query.filter(pk__in=chosen_incidents)
    included: list[PlannedItem] = []
    excluded: list[dict[str, str]] = []
    for item in items_query.order_by("number"):
        reason = _exclusion_reason(item, bundle)
        if reason:
            excluded.append({"item": str(item.pk), "reason": reason})
        else:
            included.append(PlannedItem(item=item, path=evidence_path(item)))
    excluded.sort(key=lambda entry: entry["item"])
    item_ids = [planned.item.pk for planned in included]

    derivatives_by_item: dict[str, list[Derivative]] = defaultdict(list)
    for derivative in Derivative.objects.filter(item_id__in=item_ids).order_by("item_id", "kind", "blurred", "id"):
        derivatives_by_item[str(derivative.item_id)].append(derivative)
    if bundle.include_derivatives:
        for planned in included:
            planned.derivatives = [(_derivative_path(d), d) for d in derivatives_by_item[str(planned.item.pk)]]

    chains = _custody_lines(item_ids)
    links: dict[str, list[str]] = defaultdict(list)
    for linked_item, linked_incident in EvidenceItem.incidents.through.objects.filter(item_id__in=item_ids).values_list(
        "item_id", "incident_id"
    ):
        links[str(linked_item)].append(str(linked_incident))
    decisions: dict[str, ReviewDecision] = {}
    for decision in ReviewDecision.objects.filter(item_id__in=item_ids).order_by("created_at", "id"):
        decisions[str(decision.item_id)] = decision  # the last one wins
    user_ids = {d.reviewer_id for d in decisions.values()}
    user_ids |= {i.item.collected_by_id for i in included if i.item.collected_by_id}
    user_ids |= {i.item.uploaded_by_id for i in included if i.item.uploaded_by_id}
    usernames = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "username"))

    small: dict[str, bytes] = {}
    item_records = []
    for planned in included:
        item_id = str(planned.item.pk)
        chain = chains[item_id]
        small[f"data/custody/{item_id}.jsonl"] = _jsonl(chain)
        last = chain[-1] if chain else None
        head = {"sequence": last["sequence"], "event_hash": last["event_hash"]} if last else None
        last_review = decisions.get(item_id)
        last_decision = (
            {
                "decision": last_review.decision,
                "from_status": last_review.from_status,
                "to_status": last_review.to_status,
                "reason": last_review.reason,
                "reviewer": usernames.get(last_review.reviewer_id),
                "at": format_time(last_review.created_at),
            }
            if last_review
            else None
        )
        item_records.append(
            meta.item_record(
                planned.item,
                path=planned.path,
                pending=meta.is_pending(planned.item),
                custody_head=head or {},
                incident_ids=sorted(links[item_id]),
                last_decision=last_decision,
                usernames=usernames,
                derivatives=[path for path, _d in planned.derivatives],
            )
        )

    incidents = list(incidents_query.prefetch_related("incident_types", "tag_links__tag").order_by("id"))
    incident_ids = [incident.pk for incident in incidents]
    incident_records = [
        {
            **meta.model_record(incident, exclude={"created_by"}),
            "incident_types": sorted(t.code for t in incident.incident_types.all()),
            "tags": sorted(link.tag.name for link in incident.tag_links.all()),
        }
        for incident in incidents
    ]
    allegations_query = Allegation.objects.filter(case=case)
    figures_query = CasualtyFigure.objects.filter(case=case)
    if chosen_incidents:
        allegations_query = allegations_query.filter(incident_id__in=incident_ids)
        figures_query = figures_query.filter(incident_id__in=incident_ids)
    allegations = list(allegations_query.order_by("id"))
    claims: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for claim in AllegedWeapon.objects.filter(allegation__in=allegations).order_by("allegation_id", "weapon_type_id"):
        claims[str(claim.allegation_id)].append(
            {"weapon_type": str(claim.weapon_type_id), "confidence": claim.confidence, "basis": claim.basis}
        )
    allegation_records = [
        {**meta.model_record(allegation), "weapons": claims[str(allegation.pk)]} for allegation in allegations
    ]
    figures = list(figures_query.order_by("id"))
    figure_records = [meta.model_record(figure, exclude={"recorded_by"}) for figure in figures]
    sources_query = Source.objects.filter(case=case)
    if chosen_incidents:
        cited = {a.source_id for a in allegations} | {f.source_id for f in figures if f.source_id}
        sources_query = sources_query.filter(pk__in=cited)
    source_records = [
        meta.model_record(source, exclude={*meta.WITNESS_SOURCE_FIELDS, "created_by"})
        for source in sources_query.order_by("id")
    ]
    weapon_ids = {claim["weapon_type"] for entries in claims.values() for claim in entries}
    weapon_records = [
        meta.model_record(weapon, exclude={"search_text"})
        for weapon in WeaponType.objects.filter(pk__in=weapon_ids).order_by("pk")
    ]
    case_record = meta.model_record(case, exclude={"created_by"})

    records: dict[str, Any] = {
        "case": case_record,
        "incidents": incident_records,
        "sources": source_records,
        "allegations": allegation_records,
        "weapons": weapon_records,
        "casualty_figures": figure_records,
        "items": item_records,
        "excluded": excluded,
    }
    for name in meta.METADATA_NAMES:
        small[f"data/metadata/{name}.json"] = meta.to_json(records[name])
        if name != "case":
            small[f"data/metadata/{name}.csv"] = meta.to_csv(records[name])

    checkpoint = CustodyCheckpoint.objects.order_by("-created_at", "-id").first()
    if checkpoint is not None:
        all_leaves = checkpoint_leaves(checkpoint)
        # Need-to-know: the bundle names only its own chains. The other chains of the organisation
        # appear only as opaque leaf hashes, enough to recompute the root and no more.
        in_bundle = {str(planned.item.pk) for planned in included}
        leaves = [
            {"index": index, "item_id": item_id, "sequence": sequence, "event_hash": event_hash}
            for index, (item_id, sequence, event_hash) in enumerate(all_leaves)
            if item_id in in_bundle
        ]
        leaf_hashes = [leaf_hash(leaf).hex() for leaf in all_leaves]
        small["data/custody/checkpoint.json"] = meta.to_json(
            {
                "id": checkpoint.pk,
                "created_at": format_time(checkpoint.created_at),
                "root_hash": checkpoint.root_hash,
                "leaf_count": checkpoint.leaf_count,
                "event_count": checkpoint.event_count,
                "tsa_url": checkpoint.tsa_url,
                "tsa_time": format_time(checkpoint.tsa_time) if checkpoint.tsa_time else None,
                "leaves": leaves,
                "leaf_hashes": leaf_hashes,
            }
        )
        if checkpoint.tsa_response is not None:
            small["data/custody/checkpoint.tsr"] = bytes(checkpoint.tsa_response)

    thumbnails = {}
    for planned in included:
        thumbnail = _thumbnail(planned.item, derivatives_by_item[str(planned.item.pk)])
        if thumbnail is not None:
            thumbnails[str(planned.item.pk)] = thumbnail
    custody_summaries = {
        item_id: {
            "events": len(chain),
            "first_action": chain[0]["action"],
            "first_at": chain[0]["occurred_at"],
            "last_action": chain[-1]["action"],
            "last_at": chain[-1]["occurred_at"],
            "head_hash": chain[-1]["event_hash"],
        }
        for item_id, chain in ((str(planned.item.pk), chains[str(planned.item.pk)]) for planned in included)
        if chain
    }
    recipient = {
        "id": str(bundle.pk),
        "recipient_type": bundle.recipient_type,
        "recipient_organisation": bundle.recipient_organisation,
        "recipient_person": bundle.recipient_person,
        "purpose": bundle.purpose,
    }
    small["data/report/index.html"] = render_report(
        metadata={**records, "bundle": recipient, "custody": custody_summaries},
        thumbnails=thumbnails,
        generated_at=_bagging_date(bundle),
    )
    return BundlePlan(top=f"{case.reference}_{bundle.pk}", items=included, excluded=excluded, small_files=small)


def _fold(value: str) -> str:
    """A bag-info value on one logical line: newlines become continuation lines (RFC 8493, 2.2.2)."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n  ".join(line.strip() for line in lines).strip()


def _bag_info(*, bundle: ExportBundle, plan: BundlePlan, fingerprint: str) -> bytes:
    bagging_date = _bagging_date(bundle)
    size, count = plan.payload_oxum
    tags = [
        ("Source-Organization", settings.EXPORT_SOURCE_ORGANIZATION),
        ("Contact-Name", settings.EXPORT_CONTACT_NAME),
        ("Contact-Email", settings.EXPORT_CONTACT_EMAIL),
        ("External-Identifier", bundle.case.reference),
        ("External-Description", bundle.case.title),
        ("Bagging-Date", bagging_date.astimezone(UTC).strftime("%Y-%m-%d")),
        ("Payload-Oxum", f"{size}.{count}"),
        ("Bag-Software-Agent", f"Custos {settings.CUSTOS_VERSION}"),
        ("Custos-Bundle-Id", str(bundle.pk)),
        ("Custos-Bagging-Time", format_time(bagging_date)),
        ("Custos-Recipient-Type", bundle.recipient_type),
        ("Custos-Recipient-Organization", bundle.recipient_organisation),
        ("Custos-Recipient-Person", bundle.recipient_person),
        ("Custos-Purpose", bundle.purpose),
        ("Custos-Signing-Key-Fingerprint", fingerprint),
    ]
    return "".join(f"{name}: {_fold(str(value))}\n" for name, value in tags).encode("utf-8")


def _manifest(entries: list[WrittenEntry], algorithm: str) -> bytes:
    lines = sorted(f"{getattr(entry, algorithm)}  {entry.path}\n" for entry in entries)
    return "".join(lines).encode("utf-8")


def _tag_file_sources() -> list[tuple[str, bytes]]:
    """VERIFY.txt and verify.py as shipped in apps/exports/bundle_files (one copy in every bundle)."""
    return [(name, (BUNDLE_FILES_DIR / name).read_bytes()) for name in TAG_FILES_FROM_SOURCE]


class _Progress:
    """Counts bytes written and saves the count at most every second or every 64 MiB."""

    def __init__(self, bundle_id: Any) -> None:
        self.bundle_id, self.done, self._saved, self._at = bundle_id, 0, 0, time.monotonic()

    def __call__(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if self.done - self._saved >= PROGRESS_EVERY_BYTES or now - self._at >= PROGRESS_EVERY_SECONDS:
            ExportBundle.objects.filter(pk=self.bundle_id).update(progress_done=self.done)
            self._saved, self._at = self.done, now


def bundle_write(
    *,
    bundle: ExportBundle,
    plan: BundlePlan,
    out: IO[bytes],
    key: Ed25519PrivateKey,
    progress: Any = None,
) -> None:
    """Write the bundle's ZIP to ``out`` (seekable). Raises BundleIntegrityError on a bad stored file.

    No database writes (apart from what ``progress`` does): the caller decides what a result means.
    """
    public = key.public_key()
    fingerprint = public_key_fingerprint(public)
    storage = evidence_storage()
    writer = BagZipWriter(out, top=plan.top, date=_bagging_date(bundle), progress=progress)
    try:
        tags: list[WrittenEntry] = [
            writer.write_bytes("bagit.txt", b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"),
            writer.write_bytes("bag-info.txt", _bag_info(bundle=bundle, plan=plan, fingerprint=fingerprint)),
        ]
        sources: dict[str, Any] = dict(plan.small_files)
        for planned in plan.items:
            sources[planned.path] = planned
            for path, derivative in planned.derivatives:
                sources[path] = derivative
        payload: list[WrittenEntry] = []
        for path in sorted(sources):
            source = sources[path]
            if isinstance(source, bytes):
                payload.append(writer.write_bytes(path, source))
            elif isinstance(source, PlannedItem):
                payload.append(_write_original(writer, storage, path, source.item))
            else:
                payload.append(_write_derivative(writer, storage, path, source))
        tags.append(writer.write_bytes("manifest-sha256.txt", _manifest(payload, "sha256")))
        tags.append(writer.write_bytes("manifest-sha512.txt", _manifest(payload, "sha512")))
        for name, data in _tag_file_sources():
            tags.append(writer.write_bytes(name, data))
        tagmanifest = _manifest(tags, "sha256")
        writer.write_bytes("tagmanifest-sha256.txt", tagmanifest)
        writer.write_bytes("tagmanifest-sha512.txt", _manifest(tags, "sha512"))
        writer.write_bytes("signature/tagmanifest-sha256.txt.sig", key.sign(tagmanifest))
        writer.write_bytes("signature/public-key.pem", public_key_pem(public))
        writer.write_bytes("signature/fingerprint.txt", f"{fingerprint}\n".encode("ascii"))
    finally:
        writer.close()


def _write_original(writer: BagZipWriter, storage: Any, path: str, item: EvidenceItem) -> WrittenEntry:
    expected = {"sha256": item.sha256, "sha512": item.sha512, "size_bytes": item.size_bytes}
    try:
        with storage.open(item.storage_name, "rb") as stored:
            entry = writer.write_stream(path, stored)
    except FileNotFoundError:
        raise BundleIntegrityError(item=item, problem="missing", expected=expected, found={}) from None
    found = {"sha256": "sha256:" + entry.sha256, "sha512": "sha512:" + entry.sha512, "size_bytes": entry.size_bytes}
    if found != expected:
        raise BundleIntegrityError(item=item, problem="mismatch", expected=expected, found=found)
    return entry


def _write_derivative(writer: BagZipWriter, storage: Any, path: str, derivative: Derivative) -> WrittenEntry:
    expected = {"sha256": derivative.sha256, "size_bytes": derivative.size_bytes, "derivative": path}
    try:
        with storage.open(derivative.storage_name, "rb") as stored:
            entry = writer.write_stream(path, stored)
    except FileNotFoundError:
        raise BundleIntegrityError(item=derivative.item, problem="missing", expected=expected, found={}) from None
    found = {"sha256": "sha256:" + entry.sha256, "size_bytes": entry.size_bytes, "derivative": path}
    if found != expected:
        raise BundleIntegrityError(item=derivative.item, problem="mismatch", expected=expected, found=found)
    return entry


def export_bundle_write(*, bundle: ExportBundle, out: IO[bytes], key: Ed25519PrivateKey | None = None) -> BundlePlan:
    """Plan and write the bundle for the current case state to ``out``, with no record of it anywhere.

    The bundle's bagging_date must be set. Used by the build, and to show that the
    same state and bagging date give the same bytes.
    """
    plan = bundle_plan(bundle=bundle)
    bundle_write(bundle=bundle, plan=plan, out=out, key=key or signing_key_load())
    return plan


def _bundle_start(bundle_id: UUID | str, bagging_date: datetime | None) -> ExportBundle | None:
    with transaction.atomic():
        bundle = ExportBundle.objects.select_for_update().select_related("case").get(pk=bundle_id)
        if bundle.status in (ExportStatus.DONE, ExportStatus.FAILED):
            return None
        bundle.status = ExportStatus.BUILDING
        if bundle.bagging_date is None:
            bundle.bagging_date = bagging_date or timezone.now().replace(microsecond=0)
        bundle.progress_done = 0
        bundle.save(update_fields=["status", "bagging_date", "progress_done", "updated_at"])
    return bundle


def _bundle_fail(bundle: ExportBundle, error: str) -> ExportBundle:
    ExportBundle.objects.filter(pk=bundle.pk).update(
        status=ExportStatus.FAILED, error=error, finished_at=timezone.now(), updated_at=timezone.now()
    )
    bundle.refresh_from_db()
    return bundle


def _integrity_failure_record(bundle: ExportBundle, failure: BundleIntegrityError) -> None:
    """Record a bad stored file the way the fixity check does: item status, custody event, alert, e-mail."""
    details = {
        "storage_name": failure.item.storage_name,
        "expected": failure.expected,
        "found": failure.found,
        "tool": "hashlib",
        "export": str(bundle.pk),
    }
    with transaction.atomic():
        locked = EvidenceItem.objects.select_for_update().get(pk=failure.item.pk)
        locked.integrity_status = IntegrityStatus.FAILED
        locked.last_fixity_check_at = timezone.now()
        locked.save(update_fields=["integrity_status", "last_fixity_check_at"])
        custody_record(
            item=locked,
            action=CustodyAction.FIXITY_FAILED,
            actor_system=system_actor("export"),
            details={**details, "problem": failure.problem},
        )
        alert = IntegrityAlert.objects.create(item=locked, problem=failure.problem, details=details)
        transaction.on_commit(lambda: integrity_alert_notify(alert=alert))


class _Target:
    """Where the ZIP is written: beside its final name on local storage (renamed when complete), else a
    temporary local file uploaded at the end (object storage cannot take a seekable stream)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.storage = evidence_storage()
        self.local = isinstance(self.storage, FileSystemStorage)
        if self.local:
            final = Path(self.storage.path(name))
            final.parent.mkdir(parents=True, exist_ok=True)
            descriptor, partial = tempfile.mkstemp(dir=final.parent, prefix=".partial-", suffix=".zip")
            self.final, self.partial = final, Path(partial)
            self.file: IO[bytes] = os.fdopen(descriptor, "w+b")
        else:
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed in commit/discard)

    def commit(self) -> tuple[int, str]:
        self.file.flush()
        size = self.file.seek(0, os.SEEK_END)
        self.file.seek(0)
        digest = hashlib.sha256()
        while chunk := self.file.read(4 * 1024 * 1024):
            digest.update(chunk)
        if self.local:
            os.fsync(self.file.fileno())
            self.file.close()
            self.partial.chmod(0o440)
            self.partial.replace(self.final)
        else:
            self.file.seek(0)
            if self.storage.exists(self.name):
                self.storage.delete(self.name)
            self.storage.save(self.name, File(self.file))
            self.file.close()
        return size, "sha256:" + digest.hexdigest()

    def discard(self) -> None:
        self.file.close()
        if self.local:
            self.partial.unlink(missing_ok=True)


def export_bundle_build(*, bundle_id: UUID | str, bagging_date: datetime | None = None) -> ExportBundle:
    """Build the bundle: read each original once, hash it while writing it into the ZIP, sign, store.

    ``bagging_date`` (when the bundle has none yet) fixes the bundle's clock; default now.
    Side effects: status building, progress updates, then either
    - done: the ZIP in the evidence storage (exports/<id>.zip), the register row (size, SHA-256,
      item_count, excluded, finished_at) and one "exported" custody event per included item, in one
      transaction; or
    - failed: the error in the register, no ZIP kept, no "exported" event; when a stored file did not
      match its hashes also what a fixity failure records (item integrity, custody event, alert, e-mail).
    A bundle already done or failed is returned unchanged (a redelivered task does nothing).
    """
    started = _bundle_start(bundle_id, bagging_date)
    if started is None:
        return ExportBundle.objects.get(pk=bundle_id)
    bundle = started
    try:
        key = signing_key_load()
    except SigningKeyError as error:
        return _bundle_fail(bundle, str(error))
    try:
        plan = bundle_plan(bundle=bundle)
    except Exception as error:
        logger.exception("planning bundle %s failed", bundle.pk)
        return _bundle_fail(bundle, f"the bundle could not be prepared: {error}")
    size, _count = plan.payload_oxum
    ExportBundle.objects.filter(pk=bundle.pk).update(progress_total=size, excluded=plan.excluded)
    target = _Target(f"exports/{bundle.pk}.zip")
    try:
        bundle_write(bundle=bundle, plan=plan, out=target.file, key=key, progress=_Progress(bundle.pk))
        zip_size, zip_sha256 = target.commit()
    except BundleIntegrityError as failure:
        target.discard()
        _integrity_failure_record(bundle, failure)
        what = "is missing from storage" if failure.problem == "missing" else "does not match its recorded hashes"
        return _bundle_fail(
            bundle,
            f"Evidence item {failure.item.reference} {what} (expected {failure.expected.get('sha256')}, "
            f"found {failure.found.get('sha256', 'no file')}). The export was stopped and no bundle was kept; "
            "an integrity alert was raised.",
        )
    except Exception as error:
        target.discard()
        logger.exception("building bundle %s failed", bundle.pk)
        return _bundle_fail(bundle, f"the bundle could not be written: {error}")
    with transaction.atomic():
        locked = ExportBundle.objects.select_for_update().get(pk=bundle.pk)
        locked.status = ExportStatus.DONE
        locked.storage_name = target.name
        locked.size_bytes = zip_size
        locked.sha256 = zip_sha256
        locked.item_count = len(plan.items)
        locked.excluded = plan.excluded
        locked.progress_done = locked.progress_total = size
        locked.error = ""
        locked.finished_at = timezone.now()
        locked.save()
        for planned in plan.items:
            custody_record(
                item=planned.item,
                action=CustodyAction.EXPORTED,
                actor_user=locked.requested_by,
                details={"bundle": str(locked.pk), "recipient_type": locked.recipient_type, "sha256": zip_sha256},
            )
        notification_export_ready(bundle=locked)
    return locked
