"""API tokens: the command line prints a token once, only its hash is stored, and the server
accepts it for the roles it carries."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import build_state, create_app
from app.model.errors import InvalidInput
from app.model.reviews import Role, TokenNameTaken
from app.store.tokens import TokenStore, token_hash
from tests.conftest import ROOT, bearer, settings
from tests.test_api import conflicting_claim


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, cwd=ROOT,
        timeout=120, check=False,
    )


def test_cli_prints_the_token_last_and_stores_only_its_hash(tmp_path: Path) -> None:
    store = tmp_path / "store"
    done = cli("token", "create", "--name", "alice", "--role", "reviewer", "--store", str(store))
    assert done.returncode == 0, done.stderr
    token = done.stdout.split()[-1]
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    path = tmp_path / "store.tokens.sqlite"
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT name, role, hash FROM tokens").fetchall()
    assert rows == [("alice", "reviewer", hashlib.sha256(token.encode()).hexdigest())]
    assert token.encode() not in path.read_bytes()

    listing = cli("token", "list", "--store", str(store))
    assert listing.returncode == 0
    assert "alice\treviewer" in listing.stdout and token not in listing.stdout

    again = cli("token", "create", "--name", "alice", "--role", "admin", "--store", str(store))
    assert again.returncode == 2 and "exists already" in again.stderr
    bad = cli("token", "create", "--name", "bob", "--role", "reader", "--store", str(store))
    assert bad.returncode == 2


def test_a_cli_token_works_on_the_server_for_its_role_only(tmp_path: Path) -> None:
    store = tmp_path / "store"
    editor = cli("token", "create", "--name", "ed", "--role", "editor", "--store", str(store))
    reviewer = cli("token", "create", "--name", "rev", "--role", "reviewer", "--store", str(store))
    editor_token, reviewer_token = editor.stdout.split()[-1], reviewer.stdout.split()[-1]
    state = build_state(settings(store=str(store)))
    try:
        with TestClient(create_app(state.settings, state=state)) as c:
            denied = c.post("/claims", json=conflicting_claim(), headers=bearer(reviewer_token))
            assert denied.status_code == 403
            made = c.post("/claims", json=conflicting_claim(), headers=bearer(editor_token))
            assert made.status_code == 201
            # tokens live outside the graph: nothing of them reaches /sparql
            query = "SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), ?h)) }"
            for secret in (editor_token, token_hash(editor_token)):
                q = query.replace("?h", f'"{secret}"')
                rows = c.get("/sparql", params={"query": q},
                             headers={"accept": "application/sparql-results+json"}).json()
                assert rows["results"]["bindings"] == []
    finally:
        state.store.close()


def test_token_store_verifies_and_refuses() -> None:
    tokens = TokenStore(None)
    token = tokens.create("carol", Role.admin)
    holder = tokens.verify(token)
    assert holder is not None and holder.name == "carol" and holder.role is Role.admin
    assert holder.may(Role.reviewer) and holder.may(Role.editor)
    assert tokens.verify(token + "x") is None
    assert tokens.stored_hashes() == [token_hash(token)] and token not in tokens.stored_hashes()
    with pytest.raises(TokenNameTaken):
        tokens.create("carol", Role.reviewer)
    with pytest.raises(InvalidInput):
        tokens.create("no spaces please", Role.reviewer)
    assert [r.name for r in tokens.records()] == ["carol"]
    tokens.close()


def test_tokens_path_setting_and_default_location(tmp_path: Path) -> None:
    assert settings().tokens_file is None
    assert settings(store=str(tmp_path / "s")).tokens_file == tmp_path / "s.tokens.sqlite"
    chosen = tmp_path / "elsewhere.sqlite"
    assert settings(store=str(tmp_path / "s"), tokens_path=chosen).tokens_file == chosen
