"""axe-core on the main pages, in a real browser: no serious or critical violation on any of them.

Each page is opened as the role that works on it, with a small realistic case behind it (an incident with a
witness source and an allegation, an archived photo with previews), then checked by axe-core with the WCAG 2.x
A/AA rules and axe's best practices. Keyboard focus is checked too: the skip link is the first stop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Page

from apps.accounts.models import User
from tests.browser.conftest import Screenshots, check_accessibility, sign_in_with_cookie
from tests.browser.seed import Seeded, seed_case

# The live server needs committed rows: a transactional database (emptied after each test, custody included).
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("custody_transactional_db")]


@dataclass(frozen=True)
class PageSpec:
    name: str
    url_name: str
    about: str | None  # which seeded object the URL names: "case", "incident", "item" or nothing
    who: str | None  # the seeded person who opens it (None: signed out)

    def url(self, seeded: Seeded) -> str:
        kwargs: dict[str, Any] = {}
        if self.about == "case":
            kwargs = {"case_id": seeded.case.pk}
        elif self.about == "incident":
            kwargs = {"incident_id": seeded.incident.pk}
        elif self.about == "item":
            assert seeded.item is not None
            kwargs = {"item_id": seeded.item.pk}
        return reverse(self.url_name, kwargs=kwargs)

    def user(self, seeded: Seeded) -> User | None:
        return getattr(seeded, self.who) if self.who else None


PAGES = [
    PageSpec("sign-in", "login", None, None),
    PageSpec("case list", "home", None, "lead"),
    PageSpec("case overview", "cases:detail", "case", "lead"),
    PageSpec("incident list", "incidents:list", "case", "investigator"),
    PageSpec("incident page", "incidents:detail", "incident", "investigator"),
    PageSpec("incident form", "incidents:create", "case", "investigator"),
    PageSpec("upload page", "intake:upload", "case", "investigator"),
    PageSpec("evidence item page", "evidence:item_detail", "item", "investigator"),
    PageSpec("review queue", "review:queue", None, "reviewer"),
    PageSpec("review of an item", "review:item", "item", "reviewer"),
    PageSpec("dashboard", "dashboards:case_dashboard", "case", "lead"),
    PageSpec("exports", "exports:case_exports", "case", "lead"),
]


def test_the_main_pages_have_no_serious_or_critical_axe_violation(
    new_page: Callable[[], Page], live_server: Any, screenshot: Screenshots, record_property: Any
) -> None:
    """Every page is checked (and shot) before the test fails, so that one run lists every page's problems."""
    seeded = seed_case()
    pages: dict[int | None, Page] = {}
    problems: list[str] = []
    not_built: list[str] = []
    for spec in PAGES:
        try:
            url = spec.url(seeded)
        except NoReverseMatch:
            not_built.append(spec.name)
            continue
        user = spec.user(seeded)
        key = user.pk if user is not None else None
        if key not in pages:
            pages[key] = new_page()
            if user is not None:
                sign_in_with_cookie(pages[key].context, user, live_server.url)
        page = pages[key]
        response = page.goto(url)
        page.wait_for_load_state("networkidle")
        screenshot(page, spec.name)
        if response is None or response.status != 200 or (user is not None and "/accounts/login" in page.url):
            problems.append(f"{spec.name}: {url} answered {response and response.status} at {page.url}")
            continue
        problems.extend(f"{spec.name}: {problem}" for problem in page_problems(page, what=f"the {spec.name} ({url})"))
    record_property("pages not built yet", ", ".join(not_built))
    assert not problems, "\n".join(problems)
    assert len(not_built) < len(PAGES)


def page_problems(page: Page, *, what: str) -> list[str]:
    """axe-core's serious and critical violations, a skip link as the first, visible, Tab stop, a quiet console."""
    problems = []
    try:
        check_accessibility(page, what=what)
    except pytest.fail.Exception as failure:
        problems.append(str(failure))
    # Unless the page focuses a field itself (the sign-in form's username), Tab first reaches the skip link.
    if page.evaluate("() => document.activeElement === document.body"):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.className") != "skip-link":
            problems.append("the first Tab stop is not the skip link")
        elif page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "none":
            problems.append("the focused skip link has no visible outline")
    errors = page.console_errors  # type: ignore[attr-defined]
    if errors:
        problems.append(f"errors in the browser console: {errors}")
    errors.clear()
    return problems


def test_check_accessibility_fails_on_a_critical_violation_and_names_the_element(page: Page) -> None:
    page.goto(reverse("login"))
    assert check_accessibility(page) is not None  # the sign-in page passes
    page.evaluate(
        """() => { const image = document.createElement("img"); image.id = "no-alt";
        image.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw="; document.querySelector("main").append(image); }"""
    )

    with pytest.raises(pytest.fail.Exception, match=r"(?s)critical: image-alt: .*at #no-alt: <img"):
        check_accessibility(page)
