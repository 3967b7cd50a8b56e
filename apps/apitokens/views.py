"""The token page (/accounts/tokens/): the user's tokens, a form for a new one, a revoke button on each.

The secret of a new token is rendered in the answer to the POST that made
it, and nowhere else: no redirect, nothing in the session or the messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.apitokens.forms import ApiTokenForm
from apps.apitokens.selectors import apitoken_for_user, apitokens_for_user
from apps.apitokens.services import apitoken_create, apitoken_revoke

if TYPE_CHECKING:
    from uuid import UUID

    from apps.accounts.models import User


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ApiTokenForm(request.POST if request.method == "POST" else None, user=user)
    context: dict[str, Any] = {"form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, secret = apitoken_create(
                    owner=user,
                    name=form.cleaned_data["name"],
                    cases=form.cleaned_data["cases"],
                    access=form.cleaned_data["access"],
                    expires_at=form.expires_at(),
                )
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
            else:
                context.update(new_token=token, secret=secret, form=ApiTokenForm(user=user))
        else:
            status = 400
    context["tokens"] = apitokens_for_user(user=user)
    return render(request, "apitokens/token_list.html", context, status=status)


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: UUID) -> HttpResponse:
    token = apitoken_for_user(user=request.user, token_id=token_id)
    if token is None:
        raise Http404
    apitoken_revoke(token=token)
    messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
    return redirect("apitokens:list")
