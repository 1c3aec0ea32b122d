"""Real SPARQL servers for the engine tests, started on loopback and stopped afterwards:
`oxigraph serve` (PyPI), Apache Jena Fuseki 5.6.0 (Maven, resolved by tests/engines/pom.xml
into ~/.m2) and Virtuoso Open Source 7.2 (Debian's virtuoso-opensource).

An engine that is not installed is skipped with the reason; under CI (CI=true) it fails
instead, so that CI never passes without having run it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest
from pydantic import SecretStr

from app.api.deps import AppState
from app.config import Settings
from app.main import build_state
from app.store.engines import PROFILES, EngineName, RemoteAuth, RemoteConfig
from tests.conftest import free_port

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
FUSEKI_VERSION = "5.6.0"
FUSEKI_MAIN = "org.apache.jena.fuseki.main.cmds.FusekiMainCmd"
CLASSPATH_CACHE = Path.home() / ".cache" / "claimgraph" / f"fuseki-{FUSEKI_VERSION}.classpath"
VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
# A throw-away account for the authenticated endpoint of a server on loopback only.
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "claimgraph", "test-password-7e1c"


@dataclass
class Engine:
    """A running engine: how claimgraph reaches it and how a test empties it."""

    name: EngineName
    store: str  # the CLAIMGRAPH_STORE value
    query_url: str
    update_url: str
    auth: RemoteAuth = field(default_factory=RemoteAuth)
    system_graphs: frozenset[str] = frozenset()
    log: Path | None = None

    def remote(self) -> RemoteConfig:
        """The remote configuration for this engine."""
        return RemoteConfig(engine=self.name, query_url=self.query_url,
                            update_url=self.update_url, timeout_s=60, auth=self.auth)

    def settings(self) -> dict[str, Any]:
        """Settings values that point claimgraph at this engine."""
        return {
            "store": self.store, "engine": self.name, "sparql_query_url": self.query_url,
            "sparql_update_url": self.update_url, "remote_timeout_s": 60,
            "remote_auth": self.auth.kind, "remote_user": self.auth.user,
            "remote_password": self.auth.password, "remote_token": self.auth.token,
        }

    def client(self) -> httpx.Client:
        """An HTTP client with the engine's credentials."""
        return httpx.Client(timeout=60, auth=self.auth.httpx_auth())

    def clear(self) -> None:
        """Remove every graph claimgraph may have written (never the engine's own)."""
        with self.client() as http:
            if not self.system_graphs:
                http.post(self.update_url, data={"update": "CLEAR ALL"}).raise_for_status()
                return
            rows = http.post(
                self.query_url, data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                headers={"Accept": "application/sparql-results+json"},
            ).raise_for_status().json()["results"]["bindings"]
            graphs = [r["g"]["value"] for r in rows if r["g"]["value"] not in self.system_graphs]
            for g in graphs:
                http.post(
                    self.update_url, data={"update": f"DROP SILENT GRAPH <{g}>"}
                ).raise_for_status()


def absent(reason: str) -> NoReturn:
    """Skip locally, fail under CI: an engine CI was meant to run must not vanish quietly."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"engine required under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def wait_until(ready: Callable[[], bool], proc: subprocess.Popen[bytes], what: str,
               log: Path | None, limit_s: float = 120) -> None:
    """Poll until ``ready`` is true; fail with the server's log if it exits or stalls."""
    deadline = time.monotonic() + limit_s
    while True:
        try:
            if ready():
                return
        except httpx.TransportError:
            pass
        tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        assert proc.poll() is None, f"{what} exited:\n{tail}"
        assert time.monotonic() < deadline, f"{what} did not start in {limit_s:g} s:\n{tail}"
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server this module started (only that process)."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# -- Oxigraph ---------------------------------------------------------------------------------
@contextmanager
def oxigraph(tmp: Path) -> Iterator[Engine]:
    """`oxigraph serve` on disk in ``tmp``."""
    if not Path(OXIGRAPH).exists():
        absent("the oxigraph server (PyPI package oxigraph) is not installed")
    port = free_port()
    with _query_update_server(
        "oxigraph", "oxigraph serve", tmp,
        [OXIGRAPH, "serve", "--location", str(tmp / "data"), "--bind", f"127.0.0.1:{port}"],
        f"http://127.0.0.1:{port}",
    ) as engine:
        yield engine


@contextmanager
def _query_update_server(name: EngineName, title: str, tmp: Path, argv: list[str],
                         base: str) -> Iterator[Engine]:
    """Start ``argv`` (logging to ``tmp/<name>.log``), wait until ``base``/query answers
    ASK, yield the engine with ``base``/query and ``base``/update, then stop it."""
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: httpx.get(f"{base}/query", params={"query": "ASK {}"},
                                     timeout=2).status_code == 200, proc, title, log)
        yield Engine(name, "sparql+" + base, f"{base}/query", f"{base}/update", log=log)
    finally:
        stop(proc)


# -- Fuseki -----------------------------------------------------------------------------------
def fuseki_classpath() -> str:
    """The classpath of jena-fuseki-main, resolved by Maven from tests/engines/pom.xml (the
    jars stay in ~/.m2; the classpath is cached in ~/.cache/claimgraph)."""
    if CLASSPATH_CACHE.exists():
        cp = CLASSPATH_CACHE.read_text().strip()
        if cp and all(Path(j).exists() for j in cp.split(os.pathsep)):
            return cp
    java, mvn = shutil.which("java"), shutil.which("mvn")
    if not java or not mvn:
        absent("Fuseki needs java and mvn on PATH (Java 17, Maven 3)")
    CLASSPATH_CACHE.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [mvn, "-B", "-q", "-f", str(POM), "dependency:build-classpath",
         f"-Dmdep.outputFile={CLASSPATH_CACHE}"],
        capture_output=True, text=True, timeout=900,
    )
    if done.returncode != 0 or not CLASSPATH_CACHE.exists():
        cause = re.search(r"(Unknown host \S+|Could not transfer artifact \S+|"
                          r"Network is unreachable|Connection refused)", done.stdout)
        absent(f"Maven could not resolve jena-fuseki-main {FUSEKI_VERSION} (mvn -f "
               f"tests/engines/pom.xml dependency:build-classpath: "
               f"{cause.group(1) if cause else 'see its output'}); is Maven Central reachable?")
    return CLASSPATH_CACHE.read_text().strip()


@contextmanager
def fuseki(tmp: Path) -> Iterator[Engine]:
    """Fuseki main on loopback: an in-memory transactional dataset /ds with update enabled."""
    classpath = fuseki_classpath()
    port = free_port()
    with _query_update_server(
        "fuseki", "Fuseki", tmp,
        [shutil.which("java") or "java", "-Xmx1g", "-cp", classpath, FUSEKI_MAIN,
         "--localhost", "--port", str(port), "--mem", "--update", "/ds"],
        f"http://127.0.0.1:{port}/ds",
    ) as engine:
        yield engine


# -- Virtuoso ---------------------------------------------------------------------------------
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., /usr/share/virtuoso-opensource-7/vad
VADInstallDir = /usr/share/virtuoso-opensource-7/vad/
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
; claimgraph reads whole results and bounds its own queries: no row cap, no refusal by cost
; estimate (graded.rq is estimated at hundreds of seconds and runs in 2 ms), no anytime cut-off
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
"""


@contextmanager
def virtuoso(tmp: Path) -> Iterator[Engine]:
    """Virtuoso 7.2 in the foreground, its database in ``tmp``, SQL and HTTP on loopback; a
    SPARQL user with SPARQL_UPDATE reached through the Digest-authenticated /sparql-auth."""
    if not Path(VIRTUOSO).exists() or not Path(ISQL).exists():
        absent("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource)")
    sql_port, http_port = free_port(), free_port()
    (tmp / "virtuoso.ini").write_text(
        VIRTUOSO_INI.format(dir=tmp, sql_port=sql_port, http_port=http_port)
    )
    log = tmp / "virtuoso.out"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(tmp / "virtuoso.ini")],
            stdout=out, stderr=subprocess.STDOUT, cwd=tmp,
        )
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_until(lambda: httpx.get(f"{base}/sparql", params={"query": "ASK {}"},
                                     timeout=2).status_code == 200, proc, "Virtuoso", log,
                   limit_s=180)
        sql = (f"DB.DBA.USER_CREATE('{VIRTUOSO_USER}', '{VIRTUOSO_PASSWORD}'); "
               f'GRANT SPARQL_SELECT TO "{VIRTUOSO_USER}"; '
               f'GRANT SPARQL_UPDATE TO "{VIRTUOSO_USER}";')
        subprocess.run([ISQL, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={sql}"],
                       check=True, capture_output=True, timeout=60)
        with httpx.Client(timeout=10) as http:
            graphs = http.post(
                f"{base}/sparql", data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                headers={"Accept": "application/sparql-results+json"},
            ).raise_for_status().json()["results"]["bindings"]
        system = frozenset(r["g"]["value"] for r in graphs)
        # the profile must know every graph a fresh Virtuoso holds, or /health counts them
        assert system <= PROFILES["virtuoso"].system_graphs, system
        auth = RemoteAuth("digest", VIRTUOSO_USER, SecretStr(VIRTUOSO_PASSWORD))
        yield Engine("virtuoso", "sparql+" + base, f"{base}/sparql-auth",
                     f"{base}/sparql-auth", auth=auth, log=log, system_graphs=system)
    finally:
        stop(proc)


STARTERS = {"oxigraph": oxigraph, "fuseki": fuseki, "virtuoso": virtuoso}


def engine_settings(engine: Engine, **overrides: Any) -> Settings:
    """Test settings for claimgraph on ``engine``."""
    return Settings(**{"environment": "test", **engine.settings(), **overrides})


def engine_state(engine: Engine, *, seed: bool, tmp: Path, **overrides: Any) -> AppState:
    """claimgraph on ``engine``, emptied first, built by `build_state` with the engine's
    profile and credentials in the settings."""
    engine.clear()
    settings = engine_settings(engine, seed=seed, tokens_path=tmp / "tokens.sqlite", **overrides)
    return build_state(settings)
