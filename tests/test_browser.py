"""The pages in real headless Chromium (Debian's chromium, driven by Python playwright) against
a real uvicorn process: queue → dispute → both quotes highlighted → a verdict recorded with a
reviewer token → the state and the history change. A screenshot goes to test-artifacts/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]

# Locally a missing browser skips these tests; in CI (.ci/run installs Chromium) it fails them.
if not os.environ.get("CI"):
    pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)",
                    allow_module_level=True)
from playwright import sync_api  # noqa: E402

from tests.conftest import running_server  # noqa: E402


def create_token(store: Path, name: str, role: str) -> str:
    """A token made by the command line, as an admin would; the token is its last word."""
    out = subprocess.run(
        [sys.executable, "-m", "app", "token", "create", "--name", name, "--role", role,
         "--store", str(store)],
        capture_output=True, text=True, check=True, env={**os.environ}, timeout=60,
    )
    return out.stdout.split()[-1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A real server over a fresh on-disk store (seeded), and a reviewer token for it."""
    store = tmp_path / "store"
    token = create_token(store, "browser-reviewer", "reviewer")
    with running_server(store, tmp_path / "server.log") as base:
        yield base, token


def test_review_a_dispute_in_chromium(server: tuple[str, str]) -> None:
    base, token = server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 1000},
                                    java_script_enabled=False)  # the pages need no JavaScript
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            # the queue is the front door; the Hajin dispute is one click away
            page.goto(base + "/")
            assert page.url == base + "/ui/disputes"
            assert page.locator('.count[data-state="open"]').inner_text() == "1"
            page.get_by_role("link", name="SDF fighters had taken Hajin from IS").click()
            page.wait_for_url("**/ui/disputes/d-*")
            dispute_url = page.url

            # both quotes are highlighted inside their paragraphs
            marks = page.locator("article.claim-card mark")
            texts = [t.strip() for t in marks.all_inner_texts()]
            assert "SDF fighters had taken Hajin from IS" in texts
            assert any(t.startswith("We have so far liberated more than 60 percent")
                       for t in texts), texts
            assert page.locator("svg.picture").is_visible()
            assert "Open" in page.locator("h1 + p .badge").inner_text()

            # start the review, then record a verdict, each with the reviewer token
            form = page.locator("form.verdict")
            form.locator('input[name="token"]').fill(token)
            form.locator('input[name="status"][value="in-review"]').check()
            form.locator('textarea[name="rationale"]').fill("Checking the Observatory's report.")
            form.get_by_role("button", name="Record").click()
            page.wait_for_url("**/ui/disputes/d-*?ok=*")
            assert "open → in-review" in page.locator(".flash.ok").inner_text()
            assert "In review" in page.locator("h1 + p .badge").inner_text()

            form = page.locator("form.verdict")
            form.locator('input[name="token"]').fill(token)
            form.locator('input[name="status"][value="resolved"]').check()
            form.locator('input[name="outcome"][value="supports-a"]').check()
            form.locator('textarea[name="rationale"]').fill(
                "SDF officials and the coalition both describe fighting still going on.")
            form.locator('textarea[name="evidence"]').fill("https://example.org/evidence/1")
            form.locator('select[name="rating:voa-hajin-sohr-1"]').select_option("mostly-false")
            form.get_by_role("button", name="Record").click()
            page.wait_for_url("**/ui/disputes/d-*?ok=*")
            assert "in-review → resolved" in page.locator(".flash.ok").inner_text()
            assert "Resolved" in page.locator("h1 + p .badge").inner_text()
            history = page.locator("li.history-entry")
            assert history.count() == 2
            newest = history.first.inner_text()
            assert "browser-reviewer" in newest and "supports side A" in newest
            assert "Mostly false" in newest

            # a wrong token changes nothing and says why
            form = page.locator("form.verdict")
            form.locator('input[name="token"]').fill("not-a-token")
            form.locator('input[name="status"][value="in-review"]').check()
            form.get_by_role("button", name="Record").click()
            page.wait_for_url("**/ui/disputes/d-*?error=*")
            assert "401" in page.locator(".flash.error").inner_text()
            assert page.locator("li.history-entry").count() == 2

            page.goto(dispute_url)
            page.screenshot(path=str(ARTIFACTS / "dispute-review.png"), full_page=True)
            page.goto(base + "/ui/disputes?status=resolved")
            assert page.locator('.count[data-state="resolved"]').inner_text() == "1"
            page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)
            assert not errors, errors
        finally:
            browser.close()
    assert (ARTIFACTS / "dispute-review.png").stat().st_size > 10_000


def option_values(page: sync_api.Page, datalist: str) -> list[str]:
    values: list[str] = page.locator(f"#{datalist} option").evaluate_all(
        "options => options.map(o => o.value)")
    return values


def test_queue_type_ahead_in_chromium(server: tuple[str, str]) -> None:
    base, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 1000})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(base + "/ui/disputes")
            assert option_values(page, "source-names") == []  # nothing listed up front
            source = page.locator('input[name="source"]')
            source_id = page.locator('input[name="source_id"]')

            # typing fetches suggestions after a pause; typing on narrows them
            source.press_sequentially("s", delay=40)
            page.wait_for_selector('input[name="source"][data-completed="s"]')
            assert len(option_values(page, "source-names")) > 3
            source.press_sequentially("df", delay=40)
            page.wait_for_selector('input[name="source"][data-completed="sdf"]')
            assert option_values(page, "source-names") == ["SDF", "SDF officials"]
            labels = page.locator("#source-names option").evaluate_all(
                "options => options.map(o => o.label)")
            assert labels[0] == "Syrian Democratic Forces"  # the alias shows whose it is
            assert source_id.input_value() == "sdf"  # typed in full: that entity is chosen

            # choosing a suggestion fills the box and the hidden id; the filter applies
            source.fill("")
            source.press_sequentially("observ", delay=40)
            page.wait_for_selector('input[name="source"][data-completed="observ"]')
            assert option_values(page, "source-names") == ["Syrian Observatory for Human Rights"]
            assert source_id.input_value() == ""
            source.fill("Syrian Observatory for Human Rights")  # what choosing the option does
            assert source_id.input_value() == "sohr"
            page.get_by_role("button", name="Filter").click()
            page.wait_for_url("**/ui/disputes?*source_id=sohr*")
            assert page.locator("a.dispute-link").count() == 1
            assert source.input_value() == "Syrian Observatory for Human Rights"
            assert source_id.input_value() == "sohr"  # the filter stays visible and chosen

            # a subject the same way; an outlet that speaks in no dispute filters them all out
            subject = page.locator('input[name="subject"]')
            subject.press_sequentially("haj", delay=40)
            page.wait_for_selector('input[name="subject"][data-completed="haj"]')
            assert option_values(page, "subject-names") == ["Hajin"]
            subject.fill("Hajin")
            source.fill("")
            source.press_sequentially("voice", delay=40)
            page.wait_for_selector('input[name="source"][data-completed="voice"]')
            source.fill("Voice of America")
            assert source_id.input_value() == "voa"
            page.get_by_role("button", name="Filter").click()
            page.wait_for_url("**/ui/disputes?*source_id=voa*")
            assert page.locator("a.dispute-link").count() == 0
            assert page.locator('input[name="subject_id"]').input_value() == "hajin"
            page.screenshot(path=str(ARTIFACTS / "queue-type-ahead.png"), full_page=True)
            assert not errors, errors

            # without JavaScript the typed name is resolved by the server, or said unknown
            plain = browser.new_page(java_script_enabled=False)
            plain.goto(base + "/ui/disputes")
            plain.locator('input[name="source"]').fill("the observatory")
            plain.get_by_role("button", name="Filter").click()
            plain.wait_for_url("**/ui/disputes?*")
            assert plain.locator("a.dispute-link").count() == 1
            assert plain.locator('input[name="source"]').input_value() == (
                "Syrian Observatory for Human Rights")
            plain.locator('input[name="source"]').fill("Nobody at all")
            plain.get_by_role("button", name="Filter").click()
            plain.wait_for_url("**source=Nobody*")
            assert plain.locator("p.notice").inner_text() == "no source named “Nobody at all”"
            assert plain.locator("a.dispute-link").count() == 0
        finally:
            browser.close()
