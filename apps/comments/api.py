"""The comments and notifications API. Thin: find what the user may see, call a service, serialize.

Need-to-know: a target the user may not see answers 404, like one that does
not exist; an observer posting gets 403; an anonymous request is refused
(401, with WWW-Authenticate) before anything is looked up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from apps.comments.models import Comment, Notification
from apps.comments.permissions import can_comment, can_read_comments
from apps.comments.selectors import (
    comments_for_target,
    incident_for_user,
    notification_for_user,
    notifications_for_user,
)
from apps.comments.serializers import CommentInputSerializer, CommentSerializer, NotificationSerializer
from apps.comments.services import comment_post, notification_mark_read, site_url
from apps.common.schema import SPARSE_FIELDS
from apps.evidence.models import EvidenceItem
from apps.evidence.selectors import evidence_item_for_user

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework.request import Request

    from apps.accounts.models import User
    from apps.comments.permissions import CommentTarget

COMMENT_REFUSED = _("Observers can read comments but not post them.")


class _ThreadView(generics.ListAPIView):  # type: ignore[type-arg]
    """GET the thread (oldest first, paginated); POST a comment (``body``)."""

    serializer_class = CommentSerializer
    ordering = ("created_at", "id")
    ordering_fields = ("created_at",)

    def target(self, request: Request, target_id: Any) -> CommentTarget:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Comment]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user, no target
            return Comment.objects.none()
        target = self.target(self.request, self.kwargs["target_id"])
        return comments_for_target(target=target).prefetch_related("mentions")

    @extend_schema(parameters=[SPARSE_FIELDS])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=CommentInputSerializer, responses={201: CommentSerializer})
    def post(self, request: Request, target_id: Any) -> Response:
        target = self.target(request, target_id)
        if not can_comment(request.user, target):
            raise PermissionDenied(COMMENT_REFUSED)
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        author: User = request.user  # type: ignore[assignment]
        item, incident = (target, None) if isinstance(target, EvidenceItem) else (None, target)
        try:
            comment = comment_post(
                author=author,
                body=data.validated_data["body"],
                item=item,
                incident=incident,
                site_url=site_url(request._request),
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


@extend_schema(
    parameters=[
        OpenApiParameter("target_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The evidence item's id.")
    ]
)
class ItemCommentsView(_ThreadView):
    """The comment thread of an evidence item: read it (members), post to it (members but observers)."""

    def target(self, request: Request, target_id: Any) -> CommentTarget:
        item = evidence_item_for_user(user=request.user, item_id=target_id)
        if item is None or not can_read_comments(request.user, item):
            raise NotFound
        return item


@extend_schema(
    parameters=[
        OpenApiParameter("target_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The incident's id.")
    ]
)
class IncidentCommentsView(_ThreadView):
    """The comment thread of an incident: read it (members), post to it (members but observers)."""

    def target(self, request: Request, target_id: Any) -> CommentTarget:
        incident = incident_for_user(user=request.user, incident_id=target_id)
        if incident is None or not can_read_comments(request.user, incident):
            raise NotFound
        return incident


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at",
        lookup_expr="isnull",
        help_text=_("true: only the unread notifications; false: only those already read."),
    )

    class Meta:
        model = Notification
        fields = ("unread",)


@extend_schema(parameters=[SPARSE_FIELDS])
class NotificationsView(generics.ListAPIView):  # type: ignore[type-arg]
    """Your notifications, newest first; ``?unread=true`` for the unread ones only."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering = ("-created_at", "-id")
    ordering_fields = ("created_at",)

    def get_queryset(self) -> QuerySet[Notification]:
        return notifications_for_user(user=self.request.user)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "notification_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The notification's id."
        )
    ]
)
class NotificationReadView(generics.GenericAPIView):  # type: ignore[type-arg]
    """Mark one of your notifications read (marking it again changes nothing). Another user's answers 404."""

    serializer_class = NotificationSerializer
    pagination_class = None

    @extend_schema(request=None, responses={200: NotificationSerializer})
    def post(self, request: Request, notification_id: Any) -> Response:
        notification = notification_for_user(user=request.user, notification_id=notification_id)
        if notification is None:
            raise NotFound
        user: User = request.user  # type: ignore[assignment]
        notification = notification_mark_read(user=user, notification=notification)
        return Response(self.get_serializer(notification).data)
