from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.comments.models import COMMENT_MAX_LENGTH


class CommentForm(forms.Form):
    """The comment box under a thread. The service validates again; the limits here only give the message early."""

    body = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "To notify someone, write @ and their username, e.g. @olena. Only members of this case who may "
            "see it are notified. Comments cannot be edited or deleted once posted."
        ),
        error_messages={"required": _("Write a comment first: it is empty.")},
    )
