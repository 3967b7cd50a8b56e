"""@mentions in comment text: finding them, and showing them highlighted without trusting the text."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Django usernames allow letters, digits and @ . + - _ (150 at most). A mention
# is "@" plus such a name where the "@" does not follow a username character,
# so that the "@" inside an address such as a@b.org is not a mention. The
# name may not end with ".", so "thanks @alice." mentions "alice".
MENTION_RE = re.compile(r"(?<![\w.@+-])@([\w.@+-]*[\w@+-])")
USERNAME_MAX_LENGTH = 150
# More distinct mentions than this in one comment are ignored (a comment is not a mailing list).
MAX_MENTIONS = 50


def mentioned_usernames(text: str) -> list[str]:
    """The distinct usernames mentioned in the text, in order of first appearance (at most MAX_MENTIONS)."""
    names: list[str] = []
    for match in MENTION_RE.finditer(text):
        name = match.group(1)
        if len(name) <= USERNAME_MAX_LENGTH and name not in names:
            names.append(name)
            if len(names) == MAX_MENTIONS:
                break
    return names


def highlight_mentions(text: str) -> SafeString:
    """The text escaped for HTML, then each @mention wrapped in <span class="mention">.

    The text is escaped first and only our own markup is added to the
    escaped result; escaping cannot create or break a mention, because
    none of the characters it replaces (< > & ' ") can be part of a name.
    Every @name is highlighted whether or not such a user exists, so the
    display tells nothing about which usernames exist.
    """
    escaped = str(escape(text))
    highlighted = MENTION_RE.sub(lambda match: f'<span class="mention">{match.group(0)}</span>', escaped)
    return mark_safe(highlighted)  # noqa: S308 -- built from escaped text and our own fixed markup
