"""The incident's type codes in its own row (PostgreSQL): kept by triggers, read by the list's type filter.

apps/incidents/migrations/0005_incident_type_codes.py and apps/incidents/type_codes.py.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from apps.evidence.models import IncidentLink
from apps.incidents.filters import IncidentFilter
from apps.incidents.models import Incident, IncidentType
from apps.incidents.type_codes import HasAnyTypeCode, TypeCodes
from tests.factories import EvidenceItemFactory, IncidentFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL column and its triggers")

Through = Incident.incident_types.through


def stored_codes(incident: Incident) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT incident_type_codes FROM incidents_incident WHERE id = %s", [incident.pk])
        row = cursor.fetchone()
    return list(row[0])


def linked_codes(incident: Incident) -> list[str]:
    return sorted(Through.objects.filter(incident_id=incident.pk).values_list("incidenttype_id", flat=True))


@pytest.fixture
def kinds(db: None) -> list[IncidentType]:
    return [
        IncidentType.objects.create(code=f"test-kind-{letter}", name=f"Kind {letter}", sort_order=900)
        for letter in "abc"
    ]


@pytest.mark.django_db
def test_the_column_follows_every_change_of_the_links(kinds: list[IncidentType]) -> None:
    a, b, c = kinds
    one, two = IncidentFactory(), IncidentFactory()
    assert stored_codes(one) == []

    one.incident_types.set([b, a])
    assert stored_codes(one) == [a.code, b.code]  # sorted, as the trigger aggregates them
    one.incident_types.add(c)
    one.incident_types.remove(a)
    assert stored_codes(one) == [b.code, c.code]
    c.incidents.add(two)  # from the type's side
    assert stored_codes(two) == [c.code]
    one.incident_types.clear()
    assert stored_codes(one) == []

    Through.objects.bulk_create([Through(incident_id=one.pk, incidenttype_id=a.code)])  # no m2m signal
    assert stored_codes(one) == [a.code]
    Through.objects.filter(incident_id=one.pk).update(incident_id=two.pk)  # a link moved to another incident
    assert (stored_codes(one), stored_codes(two)) == ([], [a.code, c.code])
    Through.objects.filter(incidenttype_id=c.code).delete()
    assert stored_codes(two) == [a.code]
    a.delete()  # the type goes, its links with it
    assert stored_codes(two) == []

    two.incident_types.set([b])
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses a table with checks still to run
        cursor.execute("TRUNCATE incidents_incident_incident_types")
    assert stored_codes(two) == []
    for incident in (one, two):
        assert stored_codes(incident) == linked_codes(incident)


@pytest.mark.django_db
def test_an_instance_loaded_before_its_types_changed_does_not_save_the_old_codes_back(
    kinds: list[IncidentType],
) -> None:
    made = IncidentFactory()
    stale = Incident.objects.get(pk=made.pk)
    made.incident_types.set(kinds[:2])
    stale.title = "Edited"
    stale.save()  # every field of the model: the column is not one of them
    assert stored_codes(made) == [kinds[0].code, kinds[1].code]


@pytest.mark.django_db
def test_the_type_filter_reads_the_column_and_finds_what_the_links_say(kinds: list[IncidentType]) -> None:
    a, b, c = kinds
    only_a, a_and_b, only_c, none = IncidentFactory(), IncidentFactory(), IncidentFactory(), IncidentFactory()
    only_a.incident_types.set([a])
    a_and_b.incident_types.set([a, b])
    only_c.incident_types.set([c])
    base = Incident.objects.filter(pk__in=[only_a.pk, a_and_b.pk, only_c.pk, none.pk])

    def matching(*codes: str) -> set[object]:
        filterset = IncidentFilter({"incident_type": list(codes)}, queryset=base)
        assert "incident_type_codes" in str(filterset.qs.query)
        return set(filterset.qs.values_list("pk", flat=True))

    assert matching(a.code) == {only_a.pk, a_and_b.pk}
    assert matching(b.code, c.code) == {a_and_b.pk, only_c.pk}  # any of several
    assert matching(b.code) == {a_and_b.pk}


@pytest.mark.django_db
def test_the_condition_names_its_table_inside_a_subquery(kinds: list[IncidentType]) -> None:
    made, other = IncidentFactory(), IncidentFactory()
    made.incident_types.set([kinds[0]])
    other.incident_types.set([kinds[1]])
    typed = Incident.objects.filter(HasAnyTypeCode([kinds[0].code]))
    assert list(Incident.objects.filter(pk__in=typed.values("pk"))) == [made]
    link = IncidentLink.objects.create(item=EvidenceItemFactory(case=made.case), incident=made)
    IncidentLink.objects.create(item=EvidenceItemFactory(case=other.case), incident=other)
    assert list(IncidentLink.objects.filter(incident__in=typed)) == [link]
    with pytest.raises(TypeError):
        IncidentLink.objects.filter(HasAnyTypeCode([kinds[0].code]))


@pytest.mark.django_db
def test_the_codes_are_read_as_a_sorted_list(kinds: list[IncidentType]) -> None:
    made, untyped = IncidentFactory(), IncidentFactory()
    made.incident_types.set([kinds[2], kinds[0]])
    read = dict(Incident.objects.filter(pk__in=[made.pk, untyped.pk]).values_list("pk", TypeCodes()))
    assert read == {made.pk: [kinds[0].code, kinds[2].code], untyped.pk: []}
    with pytest.raises(TypeError):
        IncidentLink.objects.values(codes=TypeCodes())


@pytest.mark.django_db(transaction=True)
def test_two_transactions_adding_types_to_one_incident_keep_both() -> None:
    a, b = (IncidentType.objects.create(code=f"test-race-{letter}", name=letter, sort_order=900) for letter in "ab")
    made = IncidentFactory()
    failures: list[BaseException] = []

    def add_b() -> None:
        try:
            with transaction.atomic():
                Incident.objects.get(pk=made.pk).incident_types.add(b)
        except BaseException as error:  # noqa: BLE001 (reported by the test below)
            failures.append(error)
        finally:
            connections.close_all()

    with transaction.atomic():
        made.incident_types.add(a)  # holds the incident's row until this block commits
        second = threading.Thread(target=add_b)
        second.start()
        deadline = time.monotonic() + 10
        while not _someone_waits_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _someone_waits_for_a_lock(), "the second transaction should wait for the first"
    second.join(timeout=20)
    assert failures == []
    assert stored_codes(made) == [a.code, b.code] == linked_codes(made)


def _someone_waits_for_a_lock() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction sees its first reading only
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock')"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_column_of_incidents_that_already_have_types() -> None:
    kind = IncidentType.objects.create(code="test-migration-kind", name="Kind", sort_order=900)
    made = IncidentFactory()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("incidents", "0004_list_filter_indexes")])
        with connection.cursor() as cursor:  # the links as they were before the column existed
            cursor.execute(
                "INSERT INTO incidents_incident_incident_types (incident_id, incidenttype_id) VALUES (%s, %s)",
                [made.pk, kind.code],
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert stored_codes(made) == [kind.code]
