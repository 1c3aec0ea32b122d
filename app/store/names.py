"""The names of the sources and subjects the review queue filters by, in process: type-ahead
completion and the resolution of a typed name, with no query per keystroke.

Each kind (``source``, ``subject``) keeps every name of its entities (preferred labels and
aliases, case-folded) in two sorted lists, searched by bisection: whole names, and names from
their second word on. A prefix of any word is two range reads (O(log n + limit)); a substring
elsewhere is ``str.find`` over the names joined in one string (C speed, no loop per entity),
only when the prefixes found fewer than ``limit``. The names are read with three bulk queries
on first use, then kept current by the store's listener: a write names the entities it
touched (their names and roles are read again, bound, at the next read), and a write whose
effect is unknown has everything read again. Kept only for stores that see every write; for
the others each call reads the names afresh (correct, and as slow as that read)."""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from rdflib import URIRef

from app.model.vocab import CG, ENTITY, PROV, SCHEMA, SKOS, local_id
from app.store.base import GraphStore, StoreChange, attached
from app.store.queries import load_query

Kind = Literal["source", "subject"]
KINDS: tuple[Kind, ...] = ("source", "subject")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# past this many entities waiting to be read again one by one, reading everything is cheaper
MAX_PENDING = 2_000
# a triple with one of these predicates may change the names or the roles of its object
# (a new speaker, outlet, organisation of a speaker, subject of a contradiction) …
_OBJECT_WATCH = frozenset({PROV.wasAttributedTo, CG.relayedBy, CG.onSubject, SCHEMA.memberOf})
# … or of its subject (a label or an alias added or removed)
_SUBJECT_WATCH = frozenset({SKOS.prefLabel, SKOS.altLabel})
_WORD = re.compile(r"(?<![^\W_])[^\W_]")  # a letter or digit after anything else
_SEP = "\n"  # between names in the substring view; fold() leaves none in a name or a query


def fold(text: str) -> str:
    """The form names are compared in: case-folded, each run of whitespace one space."""
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class Named:
    """One entity as the type-ahead knows it: its display label and every name (the
    preferred labels first, then the aliases, as written)."""

    iri: str
    label: str
    names: tuple[str, ...]

    @property
    def id(self) -> str:
        """The local part of an entity IRI (``…/entity/sohr`` → ``sohr``); other IRIs whole."""
        return local_id(self.iri, str(ENTITY))

    def is_called(self, text: str) -> bool:
        """Whether ``text`` is one of its names, ignoring case and spacing."""
        key = fold(text)
        return any(fold(n) == key for n in self.names)


@dataclass(frozen=True)
class Suggestion:
    """A completion: the entity and the name of it that matched."""

    entity: Named
    name: str


Row = tuple[str, str, str]  # (folded text, entity IRI, the name as written)


class _Names:
    """The names of one kind of entity, searchable by word prefix, substring and exact name."""

    def __init__(self, entities: Iterable[Named] = ()) -> None:
        self.entities: dict[str, Named] = {}
        self.exact: dict[str, set[str]] = {}
        starts: list[Row] = []
        words: list[Row] = []
        for e in entities:
            self._index(e, starts, words)
        self.starts = sorted(starts)  # whole names
        self.words = sorted(words)  # each name from its second, third … word on
        self._joined: tuple[str, list[int]] | None = None

    def _index(self, e: Named, starts: list[Row], words: list[Row]) -> None:
        self.entities[e.iri] = e
        for name, key in _keys(e):
            self.exact.setdefault(key, set()).add(e.iri)
            starts.append((key, e.iri, name))
            words.extend((key[m.start():], e.iri, name) for m in _WORD.finditer(key, 1))

    def put(self, e: Named) -> None:
        """Add an entity, or replace what is known of it."""
        if self.entities.get(e.iri) == e:
            return
        self.remove(e.iri)
        starts: list[Row] = []
        words: list[Row] = []
        self._index(e, starts, words)
        for row in starts:
            bisect.insort(self.starts, row)
        for row in words:
            bisect.insort(self.words, row)
        self._joined = None

    def remove(self, iri: str) -> None:
        """Forget an entity (nothing if unknown)."""
        e = self.entities.pop(iri, None)
        if e is None:
            return
        for name, key in _keys(e):
            found = self.exact.get(key)
            if found is not None:
                found.discard(iri)
                if not found:
                    del self.exact[key]
            _discard(self.starts, (key, iri, name))
            for m in _WORD.finditer(key, 1):
                _discard(self.words, (key[m.start():], iri, name))
        self._joined = None

    def complete(self, key: str, limit: int) -> list[Suggestion]:
        """Up to ``limit`` entities with a name matching the folded ``key``: names starting
        with it first, then names with a later word starting with it (each in name order),
        then names containing it anywhere; one suggestion per entity."""
        found: dict[str, Suggestion] = {}
        if not key or limit <= 0:
            return []
        for rows, same in ((self.starts, lambda k: k.startswith(key)),
                           (self.words, lambda k: _word_starts(k, key))):
            at = bisect.bisect_left(rows, (key,))
            while at < len(rows) and len(found) < limit and rows[at][0].startswith(key):
                self._take(found, rows[at], same)
                at += 1
        if len(found) < limit:
            joined, offsets = self._substrings()
            pos = joined.find(key)
            while pos >= 0 and len(found) < limit:
                at = bisect.bisect_right(offsets, pos) - 1
                self._take(found, self.starts[at], lambda k: key in k)
                if at + 1 >= len(offsets):
                    break
                pos = joined.find(key, offsets[at + 1])
        return list(found.values())

    def _take(
        self, found: dict[str, Suggestion], row: Row, same: Callable[[str], bool]
    ) -> None:
        """Add the entity of ``row`` (once), named by its display label when that matches
        the same way (``same``), else by the name that matched."""
        _, iri, name = row
        if iri not in found:
            e = self.entities[iri]
            found[iri] = Suggestion(e, e.label if same(fold(e.label)) else name)

    def _substrings(self) -> tuple[str, list[int]]:
        """Every whole name joined in one string, with where each starts (built again after a
        change, at the first search that needs it)."""
        if self._joined is None:
            keys = [row[0] for row in self.starts]
            offsets = [0, *itertools.accumulate(len(k) + len(_SEP) for k in keys)][:len(keys)]
            self._joined = (_SEP.join(keys), offsets)
        return self._joined

    def lookup(self, key: str) -> list[Named]:
        """The entities with a name equal to the folded ``key``, by IRI."""
        return [self.entities[i] for i in sorted(self.exact.get(key, ()))]


def _keys(e: Named) -> Iterator[tuple[str, str]]:
    """(name as written, folded) for each distinct name of an entity."""
    seen: set[str] = set()
    for name in e.names:
        key = fold(name)
        if key and key not in seen:
            seen.add(key)
            yield name, key


def _word_starts(text: str, key: str) -> bool:
    """Whether a word of ``text`` after its first starts with ``key``."""
    return any(text.startswith(key, m.start()) for m in _WORD.finditer(text, 1))


def _discard(rows: list[Row], row: Row) -> None:
    at = bisect.bisect_left(rows, row)
    if at < len(rows) and rows[at] == row:
        del rows[at]


def _named(iri: str, names: list[tuple[str, str]]) -> Named:
    """An entity from its (name, "pref" | "alt") rows: the first preferred label (in text
    order) is the display label; an entity without any label is called by its id."""
    prefs = sorted({n for n, kind in names if kind == "pref"})
    alts = sorted({n for n, kind in names if kind != "pref"} - set(prefs))
    every = (*prefs, *alts) or (local_id(iri, str(ENTITY)),)
    return Named(iri, every[0], every)


class NameIndex:
    """The names of one store's sources and subjects. Thread-safe: a read brings the names
    up to date with the writes noted since the last read, then answers."""

    def __init__(self, store: GraphStore, *, listen: bool = True) -> None:
        self.store = store
        self._lock = threading.Lock()  # the names
        self._pending_lock = threading.Lock()  # what writes noted since the last read
        self._stale = True
        self._pending: set[URIRef] = set()
        self._kinds: dict[Kind, _Names] = {k: _Names() for k in KINDS}
        self._warming: threading.Thread | None = None
        self.builds = 0  # how many times everything was read (tests, bench)
        self.refreshed = 0  # entities read again one by one
        if listen:
            store.add_listener(self._on_change)

    # -- reads -------------------------------------------------------------------------------
    def complete(self, kind: Kind, text: str, limit: int = DEFAULT_LIMIT) -> list[Suggestion]:
        """Up to ``limit`` entities of ``kind`` with a name matching ``text`` (any case):
        a word of the name starts with it first, then the name contains it."""
        with self._lock:
            self._catch_up()
            return self._kinds[kind].complete(fold(text), limit)

    def lookup(self, kind: Kind, text: str) -> list[Named]:
        """The entities of ``kind`` with a label or alias equal to ``text`` (any case)."""
        with self._lock:
            self._catch_up()
            return self._kinds[kind].lookup(fold(text))

    def get(self, kind: Kind, iri: str) -> Named | None:
        """The entity of ``kind`` with this IRI, or None when it is not one of that kind."""
        with self._lock:
            self._catch_up()
            return self._kinds[kind].entities.get(iri)

    def size(self, kind: Kind) -> int:
        """How many entities of ``kind`` there are."""
        with self._lock:
            self._catch_up()
            return len(self._kinds[kind].entities)

    def warm(self) -> threading.Thread | None:
        """Read the names in a background thread now (at start-up: on a large store the
        first read takes seconds), unless they are read or being read; readers that come
        meanwhile wait for it rather than read them again. Returns the thread it started."""
        with self._pending_lock:
            if not self._stale or (self._warming is not None and self._warming.is_alive()):
                return None
            self._warming = threading.Thread(
                target=self.size, args=("source",), name="name-index", daemon=True)
            self._warming.start()
            return self._warming

    # -- keeping current ---------------------------------------------------------------------
    def _on_change(self, change: StoreChange) -> None:
        """A write happened (the writer's thread): note the entities it touched, query nothing."""
        with self._pending_lock:
            if change.unknown:
                self._stale = True
            if self._stale:
                return
            for s, p, o, g in (*change.inserted, *change.deleted):
                if g is not None:
                    continue  # the names and roles are read from the default graph
                if p in _OBJECT_WATCH and isinstance(o, URIRef):
                    self._pending.add(o)
                elif p in _SUBJECT_WATCH and isinstance(s, URIRef):
                    self._pending.add(s)
            # a write that names only what it touched names the entities among them
            self._pending.update(
                t for t in change.touched if isinstance(t, URIRef) and _is_entity(t))
            if len(self._pending) > MAX_PENDING:
                self._stale, self._pending = True, set()

    def _catch_up(self) -> None:
        """Read everything, or the entities writes touched (holding ``_lock``)."""
        with self._pending_lock:
            stale, pending = self._stale, self._pending
            # from here on, writes are noted again (one during the read is caught up next time)
            self._stale, self._pending = False, set()
        try:
            if stale:
                self._kinds = _read_all(self.store)
                self.builds += 1
            elif pending:
                self._refresh(pending)
        except BaseException:
            with self._pending_lock:
                self._stale = self._stale or stale
                self._pending |= pending
            raise

    def _refresh(self, entities: set[URIRef]) -> None:
        rows = self.store.select_text(
            load_query("names_refresh"), ("entity", "name", "kind", "source", "subject"),
            {"e": sorted(entities, key=str)},
        )
        names: dict[str, list[tuple[str, str]]] = {}
        roles: dict[str, set[Kind]] = {}
        for entity, name, kind, source, subject in rows:
            if entity is None:
                continue
            names.setdefault(entity, [])
            if name is not None:
                names[entity].append((name, kind or "alt"))
            found = roles.setdefault(entity, set())
            if source in ("true", "1"):  # a boolean's lexical forms
                found.add("source")
            if subject in ("true", "1"):
                found.add("subject")
        for iri in {str(e) for e in entities} | set(names):
            e = _named(iri, names.get(iri, []))
            for kind in KINDS:
                if kind in roles.get(iri, ()):
                    self._kinds[kind].put(e)
                else:
                    self._kinds[kind].remove(iri)
        self.refreshed += len(entities)


def _is_entity(term: URIRef) -> bool:
    return str(term).startswith(str(ENTITY))


def _read_all(store: GraphStore) -> dict[Kind, _Names]:
    """Every source's and subject's names, from three bulk queries."""
    queries: dict[Kind, str] = {"source": "names_sources", "subject": "names_subjects"}
    members = {kind: {e for (e,) in store.select_text(load_query(query), ("entity",)) if e}
               for kind, query in queries.items()}
    wanted = members["source"] | members["subject"]
    names: dict[str, list[tuple[str, str]]] = {}
    for entity, name, kind in store.select_text(
        load_query("names_labels"), ("entity", "name", "kind")
    ):
        if entity in wanted and name is not None:
            names.setdefault(entity, []).append((name, kind or "alt"))
    entities = {iri: _named(iri, names.get(iri, [])) for iri in wanted}
    return {kind: _Names(entities[i] for i in members[kind]) for kind in KINDS}


def index_of(store: GraphStore) -> NameIndex:
    """The store's name index: kept with the store (made on first use) when it sees every
    write, else a fresh one whose first read reads every name."""
    kept = attached(store, "_name_index", NameIndex)
    return NameIndex(store, listen=False) if kept is None else kept


__all__ = ["DEFAULT_LIMIT", "KINDS", "MAX_LIMIT", "Kind", "NameIndex", "Named", "Suggestion",
           "fold", "index_of"]
