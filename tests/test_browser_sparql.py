"""The SPARQL page in real headless Chromium: the YASGUI editor (installed from the npm registry,
served locally) replaces the plain form, runs an example query against /sparql and shows the
rows, and the page makes no request off this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, server, sync_api

__all__ = ["server"]  # the fixture, re-used from test_browser


def sync_api_json(url: str) -> Any:
    return httpx.get(url, timeout=10).json()


def test_yasgui_runs_an_example_query_locally(server: tuple[str, str]) -> None:
    base, _ = server
    if not (Path(__file__).resolve().parents[1] / "app/web/vendor/node_modules").is_dir():
        raise AssertionError("YASGUI is not installed: run `make install` (npm ci)")
    off_machine: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.on("request", lambda r: off_machine.append(r.url) if not r.url.startswith(base) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        examples = [e["title"] for e in sync_api_json(f"{base}/ui/sparql.json")["examples"]]
        index = examples.index("Claims about a subject, with quotes and times")
        page.goto(f"{base}/ui/sparql?example={index}")
        page.wait_for_selector("#yasgui .yasqe_queryButton", timeout=20_000)
        assert page.is_hidden("#plain-sparql")
        assert "Claims about a subject" in page.inner_text("#yasgui .CodeMirror")
        page.click("#yasgui .yasqe_queryButton")
        page.wait_for_selector("#yasgui .yasr table tbody tr", timeout=20_000)
        rows = page.query_selector_all("#yasgui .yasr table tbody tr")
        assert len(rows) == 12
        assert "Syrian Observatory" in page.inner_text("#yasgui .yasr")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "sparql-yasgui.png"), full_page=True)
        browser.close()
    assert off_machine == []
    assert errors == []
