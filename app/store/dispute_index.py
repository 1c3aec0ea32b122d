"""The dispute list's read model: every current dispute's filter values and sort keys, in
process, so that a page of ``/disputes`` and the review queue's counts cost no scan of the
store.

Oxigraph sorts 44,000 disputes by date in ~285 ms (``ORDER BY … LIMIT 20`` still sorts them
all), so the list is answered from here: per-value id sets (status, type, subject, speaker,
confidence) are intersected for the total, and lists kept in each sort order give the page.
The index is built with a few bulk queries on first use, then kept current by the store's
listeners: a write names the disputes it touched (refreshed by id at the next read, with the
same queries bound to them), and a write whose effect is unknown (a raw SPARQL Update) has the
whole index rebuilt at the next read. It is kept only for stores that see every write
(``GraphStore.sees_every_write``); for the others, callers use the query path
(``views.find_disputes``)."""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rdflib import URIRef
from rdflib.term import Node

from app.model.reviews import REVIEW, REVIEWER
from app.model.vocab import CG, CLAIM, CONTRADICTION, DISPUTE, RDF, VOCAB_GRAPH, local_id
from app.store.base import GraphStore, StoreChange, attached
from app.store.queries import load_query

SORTS = ("newest", "sources", "unreviewed")
# past this many disputes or contradictions waiting to be refreshed one by one, a
# rebuild is cheaper (a bulk load of claims, a full re-detection)
MAX_DIRTY = 2_000
# full views of the disputes last shown (a page's worth of queries saved per page shown again)
MAX_VIEWS = 2_000
# subjects whose triples only change the views of the disputes they belong to (claims are
# append-only; review records hang off their dispute); a known write to anything else (an
# entity's label or affiliation, an article) changes the views that show that resource
_OWN_SUBJECTS = tuple(str(ns) for ns in (CLAIM, CONTRADICTION, DISPUTE, REVIEW, REVIEWER))
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DisputeFilter:
    """The list's filters, resolved to IRIs; None is "any". ``speakers``: a source and
    everyone who speaks for it. ``since``/``until``: the day the dispute was created."""

    subject: URIRef | None = None
    speakers: tuple[URIRef, ...] | None = None
    type_: URIRef | None = None
    status: URIRef | None = None
    confidence: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(slots=True)
class _Entry:
    """One current dispute, as the list filters and sorts it."""

    id: str
    created: str  # the lexical form (sort=unreviewed compares it as text, as before)
    stamp: int  # microseconds since 1970 UTC (newest first compares the time)
    statuses: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    subjects: set[str] = field(default_factory=set)
    speakers: set[str] = field(default_factory=set)
    high: bool = False
    actions: int = 0

    def keys(self) -> dict[str, tuple[Any, ...]]:
        """Its place in each sort order (ties as the query path breaks them: by id)."""
        return {
            "newest": (-self.stamp, self.id),
            "sources": (-len(self.speakers), -self.stamp, self.id),
            "unreviewed": (self.actions > 0, self.created, self.id),
        }


def _stamp(lexical: str) -> int:
    try:
        t = dt.datetime.fromisoformat(lexical)
    except ValueError:
        return 0
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return (t - _EPOCH) // dt.timedelta(microseconds=1)


def _dispute_id(term: Node) -> str:
    return local_id(str(term), str(DISPUTE))


class DisputeIndex:
    """The read model of one store's disputes. Thread-safe: reads may run while a writer
    notifies; a read refreshes what writes marked dirty before it answers."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._lock = threading.Lock()  # the model
        self._pending = threading.Lock()  # what writes marked, since the last read
        self._stale = True
        self._dirty: set[URIRef] = set()
        self._dirty_contradictions: set[URIRef] = set()
        self._entries: dict[str, _Entry] = {}
        self._by: dict[str, dict[str, set[str]]] = {}
        self._high: set[str] = set()
        self._order: dict[str, list[tuple[Any, ...]]] = {}
        self._days: list[tuple[str, str]] = []
        # full views by dispute id, dropped when their dispute is refreshed; a view built
        # while a write landed is not kept (the generation moved on)
        self._views: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._view_generation = 0
        # which cached views show a resource other than their own claims and contradictions
        # (speakers, outlets, organisations, subjects, articles), by the resource's IRI
        self._shown_in: dict[str, set[str]] = {}
        self._shows: dict[str, set[str]] = {}
        self.builds = 0  # how many times it was built whole (tests, bench)
        self.refreshed = 0  # disputes refreshed one by one
        store.add_listener(self._on_change)

    # -- reads -------------------------------------------------------------------------------
    def page(
        self, f: DisputeFilter, sort: str, offset: int, limit: int
    ) -> tuple[int, list[str]]:
        """(total, the ids of one page) of the disputes matching ``f``, in ``sort`` order."""
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}")
        with self._lock:
            self._catch_up()
            order = self._order[sort]
            match = self._match(f)
            if match is None:
                return len(order), [k[-1] for k in order[offset:offset + limit]]
            return len(match), self._first(match, sort, offset, limit)

    def status_counts(self, f: DisputeFilter) -> dict[str, int]:
        """How many disputes match ``f`` (whatever its status) in each status, keyed by the
        status IRI."""
        with self._lock:
            self._catch_up()
            match = self._match(replace(f, status=None))
            by_status = self._by["status"]
            if match is None:
                return {s: len(ids) for s, ids in by_status.items()}
            return {s: len(ids & match) for s, ids in by_status.items()}

    def views(
        self, ids: Sequence[str],
        build: Callable[[list[str]], list[dict[str, Any]]],
    ) -> list[dict[str, Any]]:
        """Full views of these disputes in this order (those ``build`` finds), reusing the
        views of disputes no write touched since they were built. Call it after ``page``
        (which refreshes what writes touched); the views returned are shared: read only."""
        with self._pending:
            generation = self._view_generation
            found = {i: v for i in ids if (v := self._views.get(i)) is not None}
            for i in found:
                self._views.move_to_end(i)
        missing = [i for i in ids if i not in found]
        if missing:
            built = {v["id"]: v for v in build(missing)}
            found.update(built)
            with self._pending:
                if generation == self._view_generation:
                    for i, view in built.items():
                        self._keep_view(i, view)
                    while len(self._views) > MAX_VIEWS:
                        self._drop_view(next(iter(self._views)))
        return [found[i] for i in ids if i in found]

    def warm(self) -> threading.Thread:
        """Build the index in a background thread now (at start-up: on a large store the
        first build takes seconds); reads that come meanwhile wait for it, not build again."""
        thread = threading.Thread(target=self.__len__, name="dispute-index", daemon=True)
        thread.start()
        return thread

    def rebuild(self) -> None:
        """Build the whole index again now (benchmarks; writes never need it)."""
        with self._lock:
            with self._pending:
                self._stale = True
            self._catch_up()

    def clear_views(self) -> None:
        """Drop every cached view (benchmarks time pages built from the store this way)."""
        with self._pending:
            self._forget_views(None)

    def _forget_views(self, ids: Iterable[str] | None) -> None:
        """Drop cached views (of these disputes, or all); the caller holds ``_pending``."""
        self._view_generation += 1
        if ids is None:
            self._views.clear()
            self._shown_in.clear()
            self._shows.clear()
        else:
            for i in ids:
                self._drop_view(i)

    def _keep_view(self, i: str, view: dict[str, Any]) -> None:
        self._drop_view(i)
        self._views[i] = view
        shows = {iri for iri in _iris(view) if not iri.startswith(_OWN_SUBJECTS)}
        self._shows[i] = shows
        for iri in shows:
            self._shown_in.setdefault(iri, set()).add(i)

    def _drop_view(self, i: str) -> None:
        self._views.pop(i, None)
        for iri in self._shows.pop(i, ()):
            showing = self._shown_in.get(iri)
            if showing is not None:
                showing.discard(i)
                if not showing:
                    del self._shown_in[iri]

    def __len__(self) -> int:
        with self._lock:
            self._catch_up()
            return len(self._entries)

    def _match(self, f: DisputeFilter) -> set[str] | frozenset[str] | None:
        """The ids matching the filters, or None for "every dispute". The set returned may be
        one of the index's own: read it, never change it."""
        sets: list[set[str] | frozenset[str]] = []
        for name, value in (("status", f.status), ("type", f.type_), ("subject", f.subject)):
            if value is not None:
                sets.append(self._by[name].get(str(value), _EMPTY))
        if f.speakers is not None:
            by_speaker = self._by["speaker"]
            found = [by_speaker[str(s)] for s in f.speakers if str(s) in by_speaker]
            sets.append(found[0] if len(found) == 1 else set().union(*found))
        if f.confidence == "high":
            sets.append(self._high)
        if f.since is not None or f.until is not None:
            lo = 0 if f.since is None else bisect.bisect_left(self._days, (f.since.isoformat(),))
            hi = len(self._days) if f.until is None else bisect.bisect_left(
                self._days, ((f.until + dt.timedelta(days=1)).isoformat(),))
            sets.append({i for _, i in self._days[lo:hi]})
        if f.confidence == "low":
            sets.append(set(self._entries) - self._high)
        if not sets:
            return None
        sets.sort(key=len)
        if len(sets) == 1:
            return sets[0]
        return sets[0].intersection(*sets[1:])

    def _first(
        self, match: set[str] | frozenset[str], sort: str, offset: int, limit: int
    ) -> list[str]:
        """A page of ``match`` in ``sort`` order: walk the sorted list while matches are
        dense, sort the matches themselves when they are few."""
        wanted = offset + limit
        order = self._order[sort]
        if not match or offset >= len(match):
            return []
        if wanted * len(order) / len(match) > 4 * len(match):
            entries = self._entries
            ranked = sorted(entries[i].keys()[sort] for i in match)
            return [k[-1] for k in ranked[offset:wanted]]
        out: list[str] = []
        for key in order:
            if key[-1] in match:
                out.append(key[-1])
                if len(out) == wanted:
                    break
        return out[offset:]

    # -- keeping current ---------------------------------------------------------------------
    def _on_change(self, change: StoreChange) -> None:
        """A write happened (the writer's thread): note what it touched, query nothing."""
        with self._pending:
            self._view_generation += 1  # a view being built now may miss this write
            if change.unknown:
                self._stale = True
                self._forget_views(None)
                return
            if any(g == VOCAB_GRAPH for *_, g in (*change.inserted, *change.deleted)):
                self._forget_views(None)  # the vocabulary's labels and rule texts
            else:  # an entity's label or affiliation, an article …: the views showing it
                others = {str(s) for s, _, _, g in (*change.inserted, *change.deleted)
                          if g is None} | {str(t) for t in change.touched}
                shown = {i for iri in others if not iri.startswith(_OWN_SUBJECTS)
                         for i in self._shown_in.get(iri, ())}
                if shown:
                    self._forget_views(shown)
            if self._stale:
                return  # rebuilt whole at the next read anyway
            for s, p, o, g in (*change.inserted, *change.deleted):
                if g is not None:
                    continue  # the list's queries read the default graph only
                self._note(s)
                self._note(o)
                if p == CG.inDispute and isinstance(o, URIRef):
                    self._dirty.add(o)
                elif p == RDF.type and o == CG.Dispute and isinstance(s, URIRef):
                    self._dirty.add(s)
            # a claim's speakers are not watched: claims are append-only (a stored claim
            # never changes), and a contradiction names its claims when it is written
            for term in change.touched:
                self._note(term)
            if len(self._dirty) + len(self._dirty_contradictions) > MAX_DIRTY:
                self._stale = True

    def _note(self, term: Node) -> None:
        if not isinstance(term, URIRef):
            return
        text = str(term)
        if text.startswith(str(DISPUTE)):
            self._dirty.add(term)
        elif text.startswith(str(CONTRADICTION)):
            self._dirty_contradictions.add(term)

    def _catch_up(self) -> None:
        """Rebuild, or refresh the disputes writes touched (holding the model's lock)."""
        with self._pending:
            stale = self._stale
            disputes, contradictions = self._dirty, self._dirty_contradictions
            self._dirty, self._dirty_contradictions = set(), set()
            # from here on, writes are noted again (a write during the rebuild is refreshed
            # at the next read)
            self._stale = False
        if stale:
            with self._pending:
                self._forget_views(None)
            self._build()
            return
        if contradictions:
            disputes |= self._disputes_of("dispute_index_of_contradictions", "k", contradictions)
        if disputes:
            self._refresh(disputes)

    def _disputes_of(self, query: str, name: str, iris: set[URIRef]) -> set[URIRef]:
        rows = self.store.select(load_query(query), {name: sorted(iris)})
        return {URIRef(str(r["d"])) for r in rows}

    def _build(self) -> None:
        try:
            entries = self._load(None)
        except BaseException:
            with self._pending:
                self._stale = True
            raise
        self._entries = {}
        self._by = {"status": {}, "type": {}, "subject": {}, "speaker": {}}
        self._high = set()
        for e in entries.values():
            self._add_to_sets(e)
        # sorted once; later changes are placed by bisection
        self._order = {
            sort: sorted(e.keys()[sort] for e in entries.values()) for sort in SORTS
        }
        self._days = sorted((e.created[:10], e.id) for e in entries.values())
        self.builds += 1

    def _refresh(self, disputes: set[URIRef]) -> None:
        try:
            fresh = self._load(sorted(disputes))
        except BaseException:
            with self._pending:
                self._dirty |= disputes
            raise
        with self._pending:
            self._forget_views([_dispute_id(d) for d in disputes])
        for d in disputes:
            i = _dispute_id(d)
            old = self._entries.get(i)
            if old is not None:
                self._remove(old)
            new = fresh.get(i)
            if new is not None:
                self._add_to_sets(new)
                for sort, key in new.keys().items():
                    bisect.insort(self._order[sort], key)
                bisect.insort(self._days, (new.created[:10], new.id))
        self.refreshed += len(disputes)

    def _add_to_sets(self, e: _Entry) -> None:
        self._entries[e.id] = e
        for name, values in (("status", e.statuses), ("type", e.types),
                             ("subject", e.subjects), ("speaker", e.speakers)):
            by = self._by[name]
            for v in values:
                by.setdefault(v, set()).add(e.id)
        if e.high:
            self._high.add(e.id)

    def _remove(self, e: _Entry) -> None:
        del self._entries[e.id]
        for name, values in (("status", e.statuses), ("type", e.types),
                             ("subject", e.subjects), ("speaker", e.speakers)):
            by = self._by[name]
            for v in values:
                ids = by.get(v)
                if ids is not None:
                    ids.discard(e.id)
                    if not ids:
                        del by[v]
        self._high.discard(e.id)
        for sort, key in e.keys().items():
            _discard(self._order[sort], key)
        _discard(self._days, (e.created[:10], e.id))

    def _load(self, disputes: Sequence[URIRef] | None) -> dict[str, _Entry]:
        """Entries of these disputes (of every one when None), from six queries."""
        bound = None if disputes is None else {"d": list(disputes)}
        base = str(DISPUTE)

        def rows(name: str, column: str) -> list[tuple[str | None, ...]]:
            return self.store.select_text(load_query(name), ("d", column), bound)

        entries: dict[str, _Entry] = {}
        for d, status, created in self.store.select_text(
            load_query("dispute_index_headers"), ("d", "status", "created"), bound
        ):
            if d is None or status is None or created is None:
                continue
            i = local_id(d, base)
            stamp = _stamp(created)
            e = entries.get(i)
            if e is None:
                e = entries[i] = _Entry(id=i, created=created, stamp=stamp)
            elif stamp > e.stamp:  # several creation times: the latest, as newest-first sees it
                e.created, e.stamp = created, stamp
            e.statuses.add(status)
        for name, column, attr in (("dispute_index_types", "type", "types"),
                                   ("dispute_index_subjects", "subject", "subjects"),
                                   ("dispute_index_speakers", "speaker", "speakers")):
            for d, value in rows(name, column):
                e = entries.get(local_id(d or "", base))
                if e is not None and value is not None:
                    getattr(e, attr).add(value)
        for d, actions in rows("dispute_index_actions", "actions"):
            e = entries.get(local_id(d or "", base))
            if e is not None and actions is not None:
                e.actions = int(actions)
        for (d,) in self.store.select_text(load_query("dispute_index_confident"), ("d",), bound):
            e = entries.get(local_id(d or "", base))
            if e is not None:
                e.high = True
        return entries


def _iris(view: Any) -> Iterator[str]:
    """Every ``iri`` a view shows (claims, agents, organisations, subjects, articles …)."""
    if isinstance(view, dict):
        iri = view.get("iri")
        if isinstance(iri, str):
            yield iri
        for value in view.values():
            if isinstance(value, dict | list):
                yield from _iris(value)
    elif isinstance(view, list):
        for item in view:
            yield from _iris(item)


def _discard(keys: list[Any], key: Any) -> None:
    at = bisect.bisect_left(keys, key)
    if at < len(keys) and keys[at] == key:
        del keys[at]


def index_of(store: GraphStore) -> DisputeIndex | None:
    """The store's dispute index (made on first use), or None when the store may be written
    by others (the list then runs its queries)."""
    return attached(store, "_dispute_index", DisputeIndex)


__all__ = ["SORTS", "DisputeFilter", "DisputeIndex", "index_of"]
