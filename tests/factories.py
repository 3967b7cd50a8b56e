"""factory_boy factories for the domain models."""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from apps.accounts.enums import CaseRole
from apps.accounts.models import CaseMembership, User
from apps.cases.models import Case
from apps.evidence.enums import EvidenceKind
from apps.evidence.models import EvidenceItem
from apps.incidents.models import Incident
from apps.sources.enums import SourceType
from apps.sources.models import Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("a-long-test-password")


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"TEST-{n:04d}")
    title = factory.Sequence(lambda n: f"Test case {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseMembership

    user = factory.SubFactory(UserFactory)
    case = factory.SubFactory(CaseFactory)
    role = CaseRole.INVESTIGATOR


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    case = factory.SubFactory(CaseFactory)
    title = factory.Sequence(lambda n: f"Incident {n}")
    start_at = datetime(2022, 3, 6, 8, 0, tzinfo=UTC)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    case = factory.SubFactory(CaseFactory)
    source_type = SourceType.UN_NGO_REPORT
    title = factory.Sequence(lambda n: f"Report {n}")
    publisher = "OHCHR"


class EvidenceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceItem

    case = factory.SubFactory(CaseFactory)
    number = factory.Sequence(lambda n: n + 1)
    kind = EvidenceKind.IMAGE
    original_filename = factory.Sequence(lambda n: f"photo-{n}.jpg")
