"""The browser-test harness: Playwright (sync API) driving Debian's chromium against pytest-django's live server.

- The browser is always /usr/bin/chromium (CUSTOS_CHROMIUM may name another binary): Playwright never downloads
  one. Tests marked ``browser`` are skipped, with the reason, when chromium or Playwright is missing; CI
  (.ci/run) installs chromium, so there they run.
- The live server runs in a thread of this process on a transactional test database; the intake pipeline's
  Celery tasks run eagerly, in the request thread that finished the upload, so an upload is archived when its
  last request answers, exactly through the code a worker runs.
- Screenshots of every journey step go to test-artifacts/browser/<test name>/ (git-ignored, kept by CI), and
  one more, ``failure.png``, when a test fails.
- ``check_accessibility(page)`` runs axe-core (tests/browser/vendor/axe.min.js) on the page and fails on any
  serious or critical violation, listing each one readably.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from tests.accounts.helpers import PASSWORD, device_code, login_verified, totp_device_for

# Never let Playwright fetch a browser of its own (also set by .ci/run).
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

try:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, sync_playwright
except ImportError:  # the dev dependencies are not installed: browser tests are skipped
    sync_playwright = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path(os.environ.get("CUSTOS_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
# Impacts that fail a page (axe's scale: minor, moderate, serious, critical).
BLOCKING_IMPACTS = ("serious", "critical")
# Generous for a loaded CI machine; a healthy page answers in milliseconds.
TIMEOUT_MS = 15_000


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if sync_playwright is None:
        return "Playwright is not installed (pip install '.[dev]')"
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = browser_unavailable()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=f"browser test: {reason}"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's report on the item, so that fixtures can tell whether the test failed."""
    report: pytest.TestReport = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --- The browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def playwright_session(django_db_setup: None, django_db_blocker: Any) -> Iterator[Playwright]:
    """Playwright for one test module at a time.

    Playwright's sync API keeps an asyncio loop running in this thread while it is started, which Django
    takes for async code and refuses the ORM in (SynchronousOnlyOperation). The ORM calls here are plain
    synchronous test code (the loop only waits on the browser), so the check is lifted exactly while
    Playwright runs, one module at a time: the rest of the suite never runs beside a started Playwright.
    The test database is created first, outside the loop.
    """
    reason = browser_unavailable()
    if reason is not None:
        pytest.skip(reason)
    assert sync_playwright is not None
    lifted = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if lifted is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = lifted


@pytest.fixture(scope="module")
def chromium(playwright_session: Playwright) -> Iterator[Browser]:
    browser = playwright_session.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        # Containers often run as root, where chromium's sandbox cannot start.
        args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
    )
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def browser_test_settings(settings: Any, tmp_path: Path) -> None:
    """What a browser against the live server needs, as a local embedded setup has it.

    Passwords are hashed fast: sign-in goes through the real form, but Argon2 for every user would be much of
    the suite's time. Quarantine is per test. (The session cookie stays Secure: browsers accept Secure cookies
    from http://localhost.)
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.INTAKE_QUARANTINE_ROOT = tmp_path / "quarantine"


@pytest.fixture(autouse=True)
def migration_data(transactional_db: None) -> None:
    """The rows the data migrations load (incident types, the weapon taxonomy), loaded again if missing.

    Every transactional test (these, and others in the suite) ends by emptying every table, rows of data
    migrations included. Django's serialized_rollback would restore them, but it keeps its snapshot on the
    set-up's connection object, which code running beside Playwright does not get. Both loaders are idempotent.
    """
    from django.apps import apps  # noqa: PLC0415

    for module, loader in (
        ("apps.incidents.migrations.0002_incident_types", "load_incident_types"),
        ("apps.weapons.migrations.0002_weapon_taxonomy", "load_taxonomy"),
    ):
        getattr(importlib.import_module(module), loader)(apps, None)


@pytest.fixture(autouse=True)
def eager_tasks() -> Iterator[None]:
    """Celery tasks run at once, in the thread that sends them (the live server's request thread)."""
    from config.celery import app  # noqa: PLC0415

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


# --- Screenshots -----------------------------------------------------------------------------


def _artifact_folder(node_name: str) -> Path:
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", node_name)[:150]


@dataclass
class Screenshots:
    """Numbered full-page screenshots of one test's steps."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, page: Page, step: str) -> Path:
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", step).strip("-")
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        self.folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Screenshots:
    folder = _artifact_folder(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    return Screenshots(folder)


def _new_context(browser: Browser, base_url: str) -> BrowserContext:
    browser_context = browser.new_context(
        base_url=base_url, locale="en-GB", timezone_id="Europe/Kyiv", viewport={"width": 1280, "height": 900}
    )
    browser_context.set_default_timeout(TIMEOUT_MS)
    return browser_context


def _watched_page(browser_context: BrowserContext) -> Page:
    """A new page whose console errors and uncaught exceptions are collected in ``page.console_errors``."""
    browser_page = browser_context.new_page()
    console_errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # Browsers ask for /favicon.ico on their own; its 404 is not the page's error.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    browser_page.on("console", on_console)
    browser_page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))
    browser_page.console_errors = console_errors  # type: ignore[attr-defined]
    return browser_page


def _save_failure(pages: list[Page], request: pytest.FixtureRequest, screenshot: Screenshots, stem: str) -> None:
    """On failure: each open page's last state (<stem>[-n].png, .html, -console.txt)."""
    report = getattr(request.node, "report_call", None)
    if report is None or not report.failed:
        return
    screenshot.folder.mkdir(parents=True, exist_ok=True)
    for number, browser_page in enumerate(pages, start=1):
        if browser_page.is_closed():
            continue
        name = stem if len(pages) == 1 else f"{stem}-{number}"
        browser_page.screenshot(path=str(screenshot.folder / f"{name}.png"), full_page=True)
        (screenshot.folder / f"{name}.html").write_text(browser_page.content(), encoding="utf-8")
        errors = browser_page.console_errors  # type: ignore[attr-defined]
        if errors:
            (screenshot.folder / f"{name}-console.txt").write_text("\n".join(errors), encoding="utf-8")


@pytest.fixture
def context(chromium: Browser, live_server: Any) -> Iterator[BrowserContext]:
    browser_context = _new_context(chromium, live_server.url)
    yield browser_context
    browser_context.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest, screenshot: Screenshots) -> Iterator[Page]:
    """A page in a fresh browser context; on failure its last state is saved as failure.png (and .html)."""
    browser_page = _watched_page(context)
    yield browser_page
    _save_failure([browser_page], request, screenshot, "failure")


@pytest.fixture
def new_page(
    chromium: Browser, live_server: Any, request: pytest.FixtureRequest, screenshot: Screenshots
) -> Iterator[Callable[[], Page]]:
    """Pages in further, separate browser contexts: a second person at a second computer."""
    contexts: list[BrowserContext] = []
    pages: list[Page] = []

    def make() -> Page:
        contexts.append(_new_context(chromium, live_server.url))
        pages.append(_watched_page(contexts[-1]))
        return pages[-1]

    yield make
    _save_failure(pages, request, screenshot, "failure-other-page")
    for browser_context in contexts:
        browser_context.close()


# --- Signing in --------------------------------------------------------------------------------


def sign_in(page: Page, user: User, *, password: str = PASSWORD) -> None:
    """Sign in through the sign-in page, and through the code page with the user's authenticator if asked."""
    page.goto(reverse("login"))
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.url.rstrip("/").endswith(reverse("accounts:sign_in_verify").rstrip("/")):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        assert device is not None, f"{user} is asked for a code but has no authenticator"
        # A code is accepted once: if this device's current one is used already, the next step's is still valid.
        from django_otp.oath import TOTP  # noqa: PLC0415

        current = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
        code = device_code(device, steps_ahead=1 if device.last_t >= current else 0)
        page.locator("input[name=code]").fill(code)
        page.get_by_role("button", name="Verify").click()
        page.wait_for_load_state()
    assert "/accounts/login" not in page.url, f"sign-in failed for {user}: still on {page.url}"


def sign_in_with_cookie(context: BrowserContext, user: User, live_server_url: str) -> None:
    """Give the browser a session as after a full sign-in (second factor included), without the forms.

    For tests whose subject is a page, not signing in; the journeys sign in through the forms.
    """
    client = Client()
    login_verified(client, user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}])


def with_authenticator(user: User) -> User:
    """Enrol the user's authenticator (reviewers, leads and admins must use one to sign in)."""
    totp_device_for(user)
    return user


# --- Accessibility -----------------------------------------------------------------------------


def _format_violation(violation: dict[str, Any]) -> str:
    lines = [f"- {violation['impact']}: {violation['id']}: {violation['help']} ({violation['helpUrl']})"]
    for node in violation["nodes"][:8]:
        target = " ".join(str(part) for part in node.get("target", []))
        lines.append(f"    at {target}: {node.get('html', '')[:200]}")
        summary = (node.get("failureSummary") or "").replace("\n", " ")
        if summary:
            lines.append(f"      {summary[:300]}")
    if len(violation["nodes"]) > 8:
        lines.append(f"    ... and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """All axe-core violations on the page as it is now (WCAG 2.x A and AA rules and best practices).

    axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern;
    a <script> tag would need inline code or a script from another origin, both of which the CSP refuses.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        """async () => await window.axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
            resultTypes: ["violations"],
        })"""
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def check_accessibility(page: Page, *, what: str | None = None) -> list[dict[str, Any]]:
    """Fail on serious or critical axe-core violations; returns the minor and moderate ones (for reports)."""
    violations = axe_violations(page)
    blocking = [violation for violation in violations if violation.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        listing = "\n".join(_format_violation(violation) for violation in blocking)
        pytest.fail(f"axe-core: {len(blocking)} serious/critical violation(s) on {what or page.url}:\n{listing}")
    return [violation for violation in violations if violation.get("impact") not in BLOCKING_IMPACTS]
