"""Finding @mentions in a comment, and showing them without trusting the text."""

from __future__ import annotations

import pytest

from apps.comments.mentions import MAX_MENTIONS, highlight_mentions, mentioned_usernames


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@olena please check", ["olena"]),
        ("thanks @olena.", ["olena"]),
        ("(@olena, @bob)", ["olena", "bob"]),
        ("@first.last and @a+b-c_d", ["first.last", "a+b-c_d"]),
        ("@olena @olena @olena", ["olena"]),
        ("write to olena@example.org", []),
        ("write to a@b.org or x.y@z.org", []),
        ("@user@example.org", ["user@example.org"]),
        ("@ nobody, an @ alone", []),
        ("@Олена", ["Олена"]),
        ("", []),
    ],
)
def test_mentions_are_usernames_after_an_at_sign_not_email_addresses(text: str, expected: list[str]) -> None:
    assert mentioned_usernames(text) == expected


def test_a_name_longer_than_a_username_is_not_a_mention() -> None:
    assert mentioned_usernames("@" + "a" * 151 + " @" + "b" * 150) == ["b" * 150]


def test_only_the_first_mentions_count() -> None:
    text = " ".join(f"@user{n}" for n in range(MAX_MENTIONS + 5))
    assert mentioned_usernames(text) == [f"user{n}" for n in range(MAX_MENTIONS)]


def test_highlighting_escapes_the_text_first() -> None:
    assert highlight_mentions('<script>alert("@x")</script> & @olena') == (
        '&lt;script&gt;alert(&quot;<span class="mention">@x</span>&quot;)&lt;/script&gt; &amp; '
        '<span class="mention">@olena</span>'
    )


def test_highlighting_leaves_email_addresses_alone() -> None:
    assert highlight_mentions("olena@example.org") == "olena@example.org"
