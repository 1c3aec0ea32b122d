"""Claim submission and import: validate, write atomically, then detect incrementally."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from app.detect.engine import DetectionResult, Detector
from app.model.claims import ClaimIn
from app.model.errors import DomainError, InvalidInput, StoreError
from app.model.vocab import CONTRADICTION, DISPUTE, local_id
from app.store.base import GraphStore, Quad
from app.store.claims import BuiltClaim, ClaimBuilder, Conflict
from app.store.loader import (
    check_dataset,
    load_entities,
    load_vocabulary,
    pending_flags,
    read_quads,
)
from app.store.metrics import Counters
from app.store.queries import load_query
from app.store.views import claim_quads

log = logging.getLogger("claimgraph.writes")


@dataclass
class Submission:
    """The outcome of one submitted claim."""

    claim: URIRef
    created: bool
    minted: list[URIRef] = field(default_factory=list)
    detection: DetectionResult = field(default_factory=DetectionResult)


class ClaimService:
    """Every write of claims goes through here, one at a time."""

    def __init__(self, store: GraphStore, ontology_dir: Path) -> None:
        self.store = store
        self.ontology_dir = ontology_dir
        self.builder = ClaimBuilder(store, ontology_dir / "shapes.ttl")
        self.detector = Detector(store, ontology_dir / "rules")
        # One writer at a time: incremental detection and dispute merging read, then write.
        self.lock = threading.RLock()
        self.counters = Counters()  # read by /metrics

    def bootstrap(self) -> None:
        """Install the vocabulary, rule descriptions and entities; finish pending detection."""
        with self.lock:
            rules = [
                (r.id, r.type, r.title, r.explanation, str(r.path.name))
                for r in self.detector.all_rules
            ]
            load_vocabulary(self.store, self.ontology_dir, self.detector.db.describe_rules(rules))
            load_entities(self.store, self.ontology_dir / "entities.ttl")
            pending = self.detector.db.pending()
            if pending:
                self.detect(pending)

    def catch_up(self) -> None:
        """Finish detection for claims a failed earlier write left pending (call with the lock)."""
        pending = self.detector.db.pending()
        if pending:
            self.detect(pending)

    def submit(self, claim: ClaimIn) -> Submission:
        """Validate and store one claim, then detect what it contradicts (a batch of one)."""
        result = self.submit_batch([claim])[0]
        if isinstance(result, DomainError):
            raise result
        return result

    def submit_batch(self, claims: Sequence[ClaimIn]) -> list[Submission | DomainError]:
        """Store independently submitted claims as one write (group commit), with the outcome
        of each, in order: its Submission, or the DomainError that is its answer alone.

        Each claim is built and checked on its own; the new ones are SHACL-validated in one
        run, inserted in one atomic insert with their pending flags, and detected once. Each
        Submission carries only the contradictions (and disputes, supersessions) that involve
        its own claim. A claim that collides with an earlier one of the batch (the same id, or
        a new entity or article that both would create) waits for the next round, after the
        earlier one is stored, so the outcome is the same as one claim after another: an
        identical copy answers created=False, a different claim with the id gets 409."""
        out: list[Submission | DomainError | None] = [None] * len(claims)
        todo = list(range(len(claims)))
        with self.lock:
            self.catch_up()
            while todo:
                todo = self._round(claims, todo, out)
        assert all(o is not None for o in out)
        return [o for o in out if o is not None]

    def _round(
        self, claims: Sequence[ClaimIn], todo: list[int],
        out: list[Submission | DomainError | None],
    ) -> list[int]:
        """One group write of the claims ``todo`` (indexes); returns those deferred."""
        exists = load_query("claim_exists")
        times = [time.perf_counter()]  # for the log line: build, validate, insert, detect
        fresh: dict[int, BuiltClaim] = {}
        taken: set[URIRef] = set()  # what this round creates: claims, new entities, articles
        deferred: list[int] = []
        for n in todo:
            try:
                built = self.builder.build(claims[n], validate=False)
                creates = {built.iri} | _created(built)
                if creates & taken:
                    deferred.append(n)
                    continue
                if self.store.ask(exists, {"claim": built.iri}):
                    self._check_same(built)
                    out[n] = Submission(claim=built.iri, created=False)
                    continue
            except DomainError as exc:
                out[n] = exc
                continue
            taken |= creates
            fresh[n] = built
        times.append(time.perf_counter())
        for n, invalid in self._nonconforming(list(fresh.items())):
            del fresh[n]
            out[n] = invalid
        times.append(time.perf_counter())
        if not fresh:
            return deferred
        new = [b.iri for b in fresh.values()]
        try:
            self.store.insert([*(q for b in fresh.values() for q in b.quads), *pending_flags(new)])
            times.append(time.perf_counter())
        except Exception as exc:  # every claim of the write fails; the insert is atomic
            log.exception("the insert of %d claims failed", len(new))
            for n in fresh:
                out[n] = StoreError(f"the claim was not stored: the write failed ({exc})")
            return deferred
        self.counters.claims.inc(len(new))
        try:
            detection = self.detect(new)
            shares = self._shares(detection, new) if len(new) > 1 else [detection]
        except Exception as exc:  # stored and flagged pending: catch_up finishes detection
            log.exception("detection for %d stored claims failed", len(new))
            for n in fresh:
                out[n] = StoreError(
                    "the claim was stored, but contradiction detection failed; it is finished "
                    f"on the next write or restart ({exc})", claim=str(fresh[n].iri))
            return deferred
        for (n, built), share in zip(fresh.items(), shares, strict=True):
            out[n] = Submission(built.iri, True, built.minted, share)
        times.append(time.perf_counter())
        steps = " ".join(f"{name} {b - a:.2f}" for name, a, b in zip(
            ("build", "validate", "insert", "detect"), times[:-1], times[1:], strict=True))
        log.info("group write: %d claims, %d new, %d deferred, in %.2f s (%s)", len(todo),
                 len(new), len(deferred), times[-1] - times[0], steps)
        return deferred

    def _nonconforming(self, fresh: list[tuple[int, BuiltClaim]]) -> list[tuple[int, DomainError]]:
        """SHACL-validate built claims in one run; when that fails, halve the batch to find
        the claims that do not conform (a few runs, not one per claim)."""
        if not fresh:
            return []
        try:
            self.builder.validate_many([b for _, b in fresh])
            return []
        except DomainError as exc:
            if len(fresh) == 1:
                return [(fresh[0][0], exc)]
        half = len(fresh) // 2
        return [*self._nonconforming(fresh[:half]), *self._nonconforming(fresh[half:])]

    def _shares(self, result: DetectionResult, claims: list[URIRef]) -> list[DetectionResult]:
        """Split one detection pass over several claims into one result per claim: a
        contradiction belongs to each of its two claims that is among ``claims``."""
        wanted = set(result.new_contradictions)
        pairs: dict[str, set[URIRef]] = {}
        dispute_of: dict[str, str] = {}
        for row in self.detector.db.neighbourhood(claims) if wanted else []:
            k = local_id(str(row["k"]), str(CONTRADICTION))
            if k in wanted:
                pairs[k] = {URIRef(str(row["a"])), URIRef(str(row["b"]))}
                if "d" in row:
                    dispute_of[k] = local_id(str(row["d"]), str(DISPUTE))
        shares: list[DetectionResult] = []
        for claim in claims:
            mine = [k for k in result.new_contradictions if claim in pairs.get(k, set())]
            disputes = {dispute_of[k] for k in mine if k in dispute_of}
            shares.append(DetectionResult(
                new_contradictions=mine,
                disputes=disputes,
                new_disputes=result.new_disputes & disputes,
                merged={old: into for old, into in result.merged.items() if into in disputes},
                supersessions=[s for s in result.supersessions if claim in (s.later, s.earlier)],
            ))
        return shares

    def submit_many(
        self, claims: Sequence[ClaimIn], *, article: URIRef | None = None,
        extra: Sequence[Quad] = (),
    ) -> tuple[list[Submission], list[tuple[int, str]], DetectionResult]:
        """Validate several claims of one article, write the valid ones together with
        ``extra`` quads (the article record) in one atomic insert, and detect once.

        ``article`` is the article IRI (a new version of a stored URL). Returns the
        submissions, the claims skipped with the reason (by index), and the detection."""
        with self.lock:
            self.catch_up()
            exists = load_query("claim_exists")
            subs: list[Submission] = []
            skipped: list[tuple[int, str]] = []
            fresh: list[BuiltClaim] = []
            for n, claim in enumerate(claims):
                try:
                    built = self.builder.build(claim, article=article, validate=False)
                    if any(b.iri == built.iri for b in fresh):
                        continue
                    if self.store.ask(exists, {"claim": built.iri}):
                        self._check_same(built)
                        subs.append(Submission(claim=built.iri, created=False))
                        continue
                except DomainError as exc:
                    skipped.append((n, exc.message))
                    continue
                fresh.append(built)
                subs.append(Submission(built.iri, True, built.minted))
            fresh = self._validated(fresh, subs, skipped, claims)
            new = [b.iri for b in fresh]
            quads = [*extra, *(q for b in fresh for q in b.quads), *pending_flags(new)]
            if quads:
                self.store.insert(quads)
            self.counters.claims.inc(len(new))
            return subs, skipped, self.detect(new) if new else DetectionResult()

    def _validated(
        self, fresh: list[BuiltClaim], subs: list[Submission], skipped: list[tuple[int, str]],
        claims: Sequence[ClaimIn],
    ) -> list[BuiltClaim]:
        """Validate new claims in one SHACL run; if that fails, one by one, dropping (and
        reporting) only the claims that do not conform."""
        if not fresh:
            return fresh
        try:
            self.builder.validate_many(fresh)
            return fresh
        except DomainError:
            pass
        kept: list[BuiltClaim] = []
        for built in fresh:
            try:
                self.builder.validate_many([built])
                kept.append(built)
            except DomainError as exc:
                index = next(i for i, s in enumerate(subs) if s.claim == built.iri)
                subs.pop(index)
                skipped.append((len(claims), f"{built.iri}: {exc.message}"))
        return kept

    def import_dataset(
        self, data: bytes | str | Path, fmt: str = "trig"
    ) -> tuple[list[URIRef], DetectionResult]:
        """Import a TriG dataset of claims atomically, then detect for its new claims."""
        return self.import_quads(read_quads(data, fmt))

    def import_quads(self, quads: list[Quad]) -> tuple[list[URIRef], DetectionResult]:
        """Import parsed quads of claims atomically (SHACL-validated together; a stored claim
        may be repeated, not changed: Conflict), then detect for the new claims. Returns the
        dataset's claims and the detection. Raises InvalidInput when a claim does not
        satisfy the shapes; nothing is written then."""
        with self.lock:
            self.catch_up()
            claims = check_dataset(self.builder, quads)
            stored = {
                str(r["claim"]) for r in self.store.select(load_query("claims_stored"),
                                                           {"claim": claims})
            } if claims else set()
            new = [c for c in claims if str(c) not in stored]
            for claim in claims:
                if str(claim) in stored:  # a stored claim may be repeated, not changed
                    wanted = {q for q in quads if _belongs(q, claim)}
                    if not wanted <= set(claim_quads(self.store, claim)):
                        raise Conflict(
                            f"claim {claim} is already stored with other content; claims are "
                            "append-only"
                        )
            self.store.insert([*quads, *pending_flags(new)])
            self.counters.claims.inc(len(new))
            return claims, self.detect(new)

    def repair(self) -> DetectionResult:
        """Full re-run of every rule (rare; incremental detection is the normal path)."""
        with self.lock:
            return self.detect(None)

    def detect(self, claims: list[URIRef] | None) -> DetectionResult:
        """Incremental detection for ``claims`` (full when None), counted for /metrics. Every
        detection pass should come through here."""
        started = time.perf_counter()
        result = self.detector.detect(claims) if claims is not None else self.detector.full_run()
        self.counters.detected("incremental" if claims is not None else "full",
                               len(result.new_contradictions), time.perf_counter() - started)
        return result

    def _check_same(self, built: BuiltClaim) -> None:
        stored = set(claim_quads(self.store, built.iri))
        wanted: set[Quad] = {q for q in built.quads if _belongs(q, built.iri)}
        if wanted != stored:
            raise Conflict(
                f"claim id {built.iri.rsplit('/', 1)[-1]!r} is already used by a different claim"
            )


def _created(built: BuiltClaim) -> set[URIRef]:
    """The resources besides the claim that writing it creates: a new article, new entities."""
    return {URIRef(str(s)) for s, _, _, g in built.quads
            if g is None and not str(s).startswith(str(built.iri))}


def _belongs(quad: Quad, claim: URIRef) -> bool:
    s, _, _, g = quad
    return g == claim or str(s).startswith(str(claim))


__all__ = ["ClaimService", "InvalidInput", "Submission"]
