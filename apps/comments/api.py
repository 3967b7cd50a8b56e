"""The comments and notifications API. Thin: find what the user may see, call a service, serialize.

Need-to-know: a target the user may not see answers 404, like one that does
not exist; an observer posting gets 403; an anonymous request is refused
(401, with WWW-Authenticate) before anything is looked up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.comments.permissions import can_comment, can_read_comments
from apps.comments.selectors import (
    comments_for_target,
    incident_for_user,
    notification_for_user,
    notifications_for_user,
)
from apps.comments.serializers import CommentInputSerializer, CommentSerializer, NotificationSerializer
from apps.comments.services import comment_post, notification_mark_read, site_url
from apps.evidence.models import EvidenceItem
from apps.evidence.selectors import evidence_item_for_user

if TYPE_CHECKING:
    from uuid import UUID

    from rest_framework.request import Request

    from apps.accounts.models import User
    from apps.comments.permissions import CommentTarget


class CommentPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class NotificationPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class _ThreadView(APIView):
    """GET the thread (oldest first, paginated); POST a comment (``body``)."""

    def target(self, request: Request, target_id: UUID) -> CommentTarget:
        raise NotImplementedError

    def get(self, request: Request, target_id: UUID) -> Response:
        target = self.target(request, target_id)
        paginator = CommentPagination()
        comments = comments_for_target(target=target).prefetch_related("mentions")
        page = paginator.paginate_queryset(comments, request, view=self)
        return paginator.get_paginated_response(CommentSerializer(page, many=True).data)

    def post(self, request: Request, target_id: UUID) -> Response:
        target = self.target(request, target_id)
        if not can_comment(request.user, target):
            raise PermissionDenied
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
        except ValidationError as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class ItemCommentsView(_ThreadView):
    def target(self, request: Request, target_id: UUID) -> CommentTarget:
        item = evidence_item_for_user(user=request.user, item_id=target_id)
        if item is None or not can_read_comments(request.user, item):
            raise NotFound
        return item


class IncidentCommentsView(_ThreadView):
    def target(self, request: Request, target_id: UUID) -> CommentTarget:
        incident = incident_for_user(user=request.user, incident_id=target_id)
        if incident is None or not can_read_comments(request.user, incident):
            raise NotFound
        return incident


class NotificationsView(APIView):
    """GET the user's notifications, newest first, paginated; ``?unread=1`` for the unread ones only."""

    def get(self, request: Request) -> Response:
        unread_only = request.query_params.get("unread", "") in {"1", "true", "yes"}
        paginator = NotificationPagination()
        page = paginator.paginate_queryset(
            notifications_for_user(user=request.user, unread_only=unread_only), request, view=self
        )
        return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


class NotificationReadView(APIView):
    """POST: mark one of the user's notifications read. Another user's answers 404."""

    def post(self, request: Request, notification_id: UUID) -> Response:
        notification = notification_for_user(user=request.user, notification_id=notification_id)
        if notification is None:
            raise NotFound
        user: User = request.user  # type: ignore[assignment]
        notification = notification_mark_read(user=user, notification=notification)
        data: dict[str, Any] = NotificationSerializer(notification).data
        return Response(data)
