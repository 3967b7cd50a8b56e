"""The Ukrainian catalogue is complete, compiled, and used: by pages, by the API's errors, and by date formats."""

from __future__ import annotations

import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "uk" / "LC_MESSAGES"
PO = CATALOGUE / "django.po"
MO = CATALOGUE / "django.mo"
PLURAL_FORMS = "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
# Python %-format conversions (named or not), an escaped %, str.format fields, and HTML tags
# or <placeholders> (e.g. "<token>"): a translation keeps every one of them.
_CONVERSION = r"[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
PLACEHOLDER = re.compile(rf"%%|%\(\w+\){_CONVERSION}|%{_CONVERSION}|\{{\w*\}}|<[^<>\s][^<>]*>")
# Django REST framework's own Ukrainian for NotAuthenticated (it ships the catalogue).
DRF_NOT_AUTHENTICATED_UK = "Реквізити перевірки достовірності не надані."
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    """One message of a .po file."""

    line: int
    flags: list[str] = field(default_factory=list)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"django.po:{self.line} {self.msgid[:60]!r}"


def _unquote(text: str) -> str:
    body = text.strip()
    assert body.startswith('"'), body
    assert body.endswith('"'), body
    return re.sub(r"\\(.)", lambda match: _ESCAPES[match.group(1)], body[1:-1])


def _entry(block: list[tuple[int, str]]) -> Entry | None:
    """One blank-line-separated block of a .po file; None for an obsolete (#~) one."""
    entry = Entry(line=block[0][0])
    fields: dict[str, str] = {}
    key = ""
    for number, line in block:
        if line.startswith("#,"):
            entry.flags += [flag.strip() for flag in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            fields[key] += _unquote(line)
        else:
            key, _, value = line.partition(" ")
            fields[key] = _unquote(value)
            if key == "msgid":
                entry.line = number
    if "msgid" not in fields:
        return None
    entry.msgctxt = fields.get("msgctxt")
    entry.msgid = fields["msgid"]
    entry.msgid_plural = fields.get("msgid_plural")
    entry.msgstr = {
        int(name[7:-1]) if "[" in name else 0: text for name, text in fields.items() if name.startswith("msgstr")
    }
    return entry


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file as msgmerge writes it (the header first), without obsolete ones."""
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            blocks[-1].append((number, line.strip()))
        elif blocks[-1]:
            blocks.append([])
    return [entry for block in blocks if block and (entry := _entry(block)) is not None]


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    parsed = parse_po(PO)
    assert parsed[0].msgid == ""  # the header
    return parsed


@pytest.fixture(scope="module")
def messages(entries: list[Entry]) -> list[Entry]:
    return entries[1:]


def _placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def test_catalogue_has_the_ukrainian_plural_rule(entries: list[Entry]) -> None:
    header = dict(line.split(": ", 1) for line in entries[0].msgstr[0].splitlines() if ": " in line)

    assert header["Plural-Forms"] == PLURAL_FORMS
    assert header["Language"] == "uk"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert "fuzzy" not in entries[0].flags


def test_catalogue_holds_the_messages_of_every_app(messages: list[Entry]) -> None:
    ids = {entry.msgid for entry in messages}

    # One message from the models, a form, a template, the API errors and a plural.
    assert {"evidence items", "Collection method", "Sign in to Custos", "Authentication is required."} <= ids
    assert len(messages) > 1000


def test_every_message_has_a_finished_translation(messages: list[Entry]) -> None:
    fuzzy = [entry.label for entry in messages if "fuzzy" in entry.flags]
    expected_forms = {0, 1, 2}
    missing = [
        entry.label
        for entry in messages
        if set(entry.msgstr) != ({0} if entry.msgid_plural is None else expected_forms)
        or not all(text.strip() for text in entry.msgstr.values())
    ]

    assert fuzzy == []
    assert missing == []


def test_every_translation_keeps_the_placeholders_and_markup(messages: list[Entry]) -> None:
    wrong = []
    for entry in messages:
        for index, text in entry.msgstr.items():
            source = entry.msgid if entry.msgid_plural is None else entry.msgid_plural
            if _placeholders(text) != _placeholders(source):
                wrong.append(f"{entry.label} [{index}]: {sorted(_placeholders(text).elements())}")

    assert wrong == []


def test_plural_translations_use_the_count(messages: list[Entry]) -> None:
    plurals = [entry for entry in messages if entry.msgid_plural is not None]

    assert len(plurals) >= 10
    for entry in plurals:
        counters = set(re.findall(r"%\((\w+)\)", entry.msgid_plural or ""))
        for text in entry.msgstr.values():
            assert counters <= set(re.findall(r"%\((\w+)\)", text)), entry.label


def test_the_compiled_catalogue_matches_the_po_file(messages: list[Entry]) -> None:
    """django.mo is committed (a fresh clone needs no gettext tools); it must say what django.po says."""
    with MO.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = []
    for entry in messages:
        if entry.msgid_plural is None:
            got = (
                catalogue.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt is not None
                else catalogue.gettext(entry.msgid)
            )
            if got != entry.msgstr[0]:
                stale.append(entry.label)
            continue
        # 1, 3 and 5 pick plural forms 0, 1 and 2 in Ukrainian.
        for count, index in ((1, 0), (3, 1), (5, 2)):
            if entry.msgctxt is not None:
                got = catalogue.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, count)
            else:
                got = catalogue.ngettext(entry.msgid, entry.msgid_plural, count)
            if got != entry.msgstr[index]:
                stale.append(f"{entry.label} [{index}]")

    assert stale == [], "locale/uk/LC_MESSAGES/django.mo is out of date: run make messages / compilemessages"


def test_the_compiled_catalogue_has_no_messages_the_po_file_lacks(messages: list[Entry]) -> None:
    with MO.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    keys = {(f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid) for entry in messages}
    # GNUTranslations has no public way to list its messages; its _catalog maps msgid (or (msgid, n)) to text.
    catalog: dict[str | tuple[str, int], str] = vars(catalogue)["_catalog"]
    compiled_keys = {key[0] if isinstance(key, tuple) else key for key in catalog if key != ""}

    assert compiled_keys == keys


def test_sign_in_page_is_in_ukrainian_for_a_ukrainian_browser(client: Client) -> None:
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="uk-UA,uk;q=0.9,en;q=0.5")

    page = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "uk"
    assert '<html lang="uk">' in page
    assert "<h1>Вхід до Custos</h1>" in page
    assert "Sign in to Custos" not in page


def test_sign_in_page_is_in_english_by_default(client: Client) -> None:
    response = client.get(reverse("login"))

    assert response["Content-Language"] == "en"
    assert "<h1>Sign in to Custos</h1>" in response.content.decode()


def test_language_switcher_sets_ukrainian_for_the_next_pages(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "uk", "next": reverse("login")})

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "uk"
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Вхід до Custos</h1>" in page


def test_api_problem_details_are_in_ukrainian(db: None, client: Client) -> None:
    response = client.get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE="uk")

    assert response.status_code == 401
    assert response["Content-Language"] == "uk"
    body = response.json()
    assert body["title"] == "Потрібна автентифікація."
    assert body["detail"] == DRF_NOT_AUTHENTICATED_UK


def test_api_problem_details_are_in_english_by_default(db: None, client: Client) -> None:
    body = client.get("/api/v1/cases/").json()

    assert body["title"] == "Authentication is required."
    assert body["detail"] == "Authentication credentials were not provided."


def test_dates_and_numbers_follow_the_ukrainian_locale() -> None:
    template = Template(
        "{{ day }}|{{ moment }}|{{ day|date:'SHORT_DATE_FORMAT' }}|{{ number }}|{{ big|floatformat:2 }}"
    )
    context = Context(
        {"day": date(2022, 3, 6), "moment": datetime(2022, 3, 6, 7, 5, tzinfo=UTC), "number": 1.5, "big": 1234.5}
    )

    with translation.override("uk"):
        ukrainian = template.render(context)
    with translation.override("en"):
        english = template.render(context)

    # Kyiv is UTC+2 in March before the clocks change: 07:05 UTC is 09:05.
    assert ukrainian == "06 березня 2022 р.|06 березня 2022 р. 09:05|06.03.2022|1,5|1234,50"  # noqa: RUF001 (Ukrainian dates are Cyrillic)
    assert english == "March 6, 2022|March 6, 2022, 9:05 a.m.|03/06/2022|1.5|1234.50"
