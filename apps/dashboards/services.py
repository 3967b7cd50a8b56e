"""A lead's "check fixity of this case now": start it, follow its progress, be told when it is done.

The check itself is custody's (apps.custody.services.fixity_check_item:
re-hash one archived original, record the custody event, raise an alert on
failure). What this adds is a run over every archived original of one case,
started from the dashboard, with its progress kept in the shared cache
(the web process and the worker both see it; no table is needed for a
number that only matters while the run lasts) and an in-app notification to
the lead at the end.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from apps.cases.models import Case
from apps.comments.enums import NotificationKind
from apps.comments.models import Notification
from apps.custody.services import fixity_check_item
from apps.dashboards.selectors import case_dashboard_forget
from apps.evidence.enums import ProcessingStatus
from apps.evidence.models import EvidenceItem

if TYPE_CHECKING:
    from apps.accounts.models import User

# The Notification kind of a finished fixity run.
FIXITY_DONE = NotificationKind.FIXITY_DONE
# How long a run's progress stays readable after its last update.
PROGRESS_TTL_SECONDS = 24 * 60 * 60
# A run that has not moved for this long is taken as dead (worker lost), so a new one may start.
STALE_SECONDS = 6 * 60 * 60 + 300


@dataclass(frozen=True)
class FixityProgress:
    run_id: str
    total: int
    done: int
    failed: int
    finished: bool
    started_by: int
    updated_at: float

    @property
    def percent(self) -> int:
        return 100 if self.finished and not self.total else (100 * self.done // self.total if self.total else 0)

    @property
    def passed(self) -> int:
        return self.done - self.failed

    def payload(self) -> dict[str, Any]:
        """What the dashboard's progress bar polls (static/dashboards/fixity.js)."""
        if self.finished:
            status = _("Finished: %(passed)s intact, %(failed)s failing.") % {
                "passed": number_format(self.passed, force_grouping=True),
                "failed": number_format(self.failed, force_grouping=True),
            }
        else:
            status = _("Checked %(done)s of %(total)s originals.") % {
                "done": number_format(self.done, force_grouping=True),
                "total": number_format(self.total, force_grouping=True),
            }
        return {
            "run_id": self.run_id,
            "total": self.total,
            "done": self.done,
            "failed": self.failed,
            "percent": self.percent,
            "finished": self.finished,
            "status_display": status,
        }


def _key(case_id: Any) -> str:
    return f"dashboards:fixity:{case_id}"


def _save(case_id: Any, progress: FixityProgress) -> None:
    cache.set(_key(case_id), asdict(progress), PROGRESS_TTL_SECONDS)


def fixity_progress(*, case: Case) -> FixityProgress | None:
    """The case's current or last fixity run, while the cache holds it."""
    state = cache.get(_key(case.pk))
    return FixityProgress(**state) if isinstance(state, dict) else None


def _archived(case_id: Any) -> list[Any]:
    archived = EvidenceItem.objects.filter(case_id=case_id, processing_status=ProcessingStatus.ARCHIVED)
    return list(archived.exclude(storage_name="").order_by("number").values_list("id", flat=True))


class FixityRunningError(Exception):
    """A fixity run of this case is already under way."""


def fixity_case_start(*, case: Case, started_by: User) -> FixityProgress:
    """Start a fixity check of every archived original of the case, in the worker.

    Side effects: the run's progress in the cache; after commit, the Celery
    task ``dashboards.fixity_case``. Refuses (FixityRunningError) while a run
    of the case is under way and still moving.
    """
    current = fixity_progress(case=case)
    now = timezone.now().timestamp()
    if current is not None and not current.finished and now - current.updated_at < STALE_SECONDS:
        raise FixityRunningError
    progress = FixityProgress(
        run_id=uuid.uuid4().hex,
        total=len(_archived(case.pk)),
        done=0,
        failed=0,
        finished=False,
        started_by=started_by.pk,
        updated_at=now,
    )
    _save(case.pk, progress)
    from apps.dashboards.tasks import fixity_case  # noqa: PLC0415  (tasks import this module)

    transaction.on_commit(lambda: fixity_case.delay(case_id=str(case.pk), run_id=progress.run_id))
    return progress


def fixity_case_run(*, case_id: Any, run_id: str) -> FixityProgress | None:
    """Check each archived original of the case, updating the progress after each; notify the lead at the end.

    Side effects: per original, custody's fixity record (event, integrity
    status, alert on failure); the progress in the cache; at the end one
    Notification (kind "fixity_done") to the lead who started the run. A run
    that was replaced (another run_id in the cache) stops.
    """
    case = Case.objects.filter(pk=case_id).first()
    started = fixity_progress(case=case) if case else None
    if case is None or started is None or started.run_id != run_id:
        return None
    ids = _archived(case.pk)
    progress = FixityProgress(**{**asdict(started), "total": len(ids), "updated_at": timezone.now().timestamp()})
    _save(case.pk, progress)
    for item_id in ids:
        result = fixity_check_item(item_id=item_id)
        progress = FixityProgress(
            **{
                **asdict(progress),
                "done": progress.done + 1,
                "failed": progress.failed + (0 if result.passed else 1),
                "updated_at": timezone.now().timestamp(),
            }
        )
        _save(case.pk, progress)
    progress = FixityProgress(**{**asdict(progress), "finished": True, "updated_at": timezone.now().timestamp()})
    _save(case.pk, progress)
    case_dashboard_forget(case=case)
    notification_fixity_done(case=case, progress=progress)
    return progress


def notification_fixity_done(*, case: Case, progress: FixityProgress) -> Notification | None:
    """Tell the lead who started the run how it ended (in-app), linking to the case dashboard."""
    from apps.accounts.models import User  # noqa: PLC0415

    recipient = User.objects.filter(pk=progress.started_by, is_active=True).first()
    if recipient is None:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Fixity check of %(case)s finished: %(passed)s intact, %(failed)s failing") % {
            "case": case.reference,
            "passed": progress.passed,
            "failed": progress.failed,
        }
    return Notification.objects.create(
        recipient=recipient,
        kind=FIXITY_DONE,
        actor=None,
        text=text[:300],
        link=reverse("dashboards:case_dashboard", kwargs={"case_id": case.pk}) + "#fixity",
    )
