"""The dashboard's long work: a fixity check of one case, started by a lead."""

from celery import shared_task

from apps.dashboards.services import fixity_case_run


@shared_task(name="dashboards.fixity_case", acks_late=True, soft_time_limit=6 * 60 * 60, time_limit=6 * 60 * 60 + 300)
def fixity_case(*, case_id: str, run_id: str) -> None:
    """Re-hash every archived original of the case, reporting progress; notify the lead at the end."""
    fixity_case_run(case_id=case_id, run_id=run_id)
