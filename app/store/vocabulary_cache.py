"""Small things read whole and kept until a write changes them: the vocabulary's labels and
the rules' texts (every dispute and claim view needs them; they change only when the
vocabulary is reloaded), and the speakers with their labels and organisations (the review
queue's source filter; a scan of every claim). Cached only for stores that see every write."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from app.model.vocab import CLAIM, PROV, SCHEMA, SKOS, VOCAB_GRAPH
from app.store.base import GraphStore, Row, StoreChange, attached
from app.store.queries import load_query


class VocabularyCache:
    """Labels and rule texts of one store, dropped by the store's listener when a write
    changes the vocabulary graph (or may have: a raw update)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._generation = 0
        self._labels: dict[str, str] | None = None
        self._rules: dict[str, Row] | None = None
        self._speakers: list[Row] | None = None
        self._speaker_iris: set[str] | None = None
        store.add_listener(self._on_change)

    def _on_change(self, change: StoreChange) -> None:
        quads = (*change.inserted, *change.deleted)
        with self._lock:
            self._generation += 1
            if change.unknown or any(q[3] == VOCAB_GRAPH for q in quads):
                self._labels = self._rules = None
            if change.unknown or self._speakers_changed(change):
                self._speakers = None

    def _speakers_changed(self, change: StoreChange) -> bool:
        """A new speaker, or a label or organisation of a speaker (or of anyone, when the
        speakers are not read yet)."""
        known = self._speaker_iris
        if known is None:
            return False
        for s, p, o, g in (*change.inserted, *change.deleted):
            if g is not None:
                continue
            if p == PROV.wasAttributedTo and str(o) not in known:
                return True
            if p in (SKOS.prefLabel, SCHEMA.memberOf) and str(s) in known:
                return True
        # a write that names only what it touched: a claim may bring a new speaker
        return any(str(t) in known or str(t).startswith(str(CLAIM)) for t in change.touched)

    def speakers(self) -> list[Row]:
        """Every speaker with a label and an organisation (rows of speakers.rq)."""
        with self._lock:
            found, generation = self._speakers, self._generation
        if found is None:
            found = self.store.select(load_query("speakers"))
            with self._lock:
                if generation == self._generation:
                    self._speakers = found
                    self._speaker_iris = {str(r["source"]) for r in found}
        return found

    def labels(self) -> dict[str, str]:
        """Every vocabulary term's label (a copy: the caller may add to it)."""
        with self._lock:
            found, generation = self._labels, self._generation
        if found is None:
            found = _labels(self.store)
            with self._lock:
                if generation == self._generation:  # no write since the read began
                    self._labels = found
        return dict(found)

    def rules(self) -> Mapping[str, Row]:
        """Every rule's title and explanation, keyed by the rule's IRI (read-only)."""
        with self._lock:
            found, generation = self._rules, self._generation
        if found is None:
            found = _rules(self.store)
            with self._lock:
                if generation == self._generation:
                    self._rules = found
        return found


def _labels(store: GraphStore) -> dict[str, str]:
    return {str(r["term"]): str(r["label"]) for r in store.select(load_query("vocabulary_labels"))}


def _rules(store: GraphStore) -> dict[str, Row]:
    return {str(r["rule"]): r for r in store.select(load_query("rule_texts"))}


def _cache(store: GraphStore) -> VocabularyCache | None:
    return attached(store, "_vocabulary_cache", VocabularyCache)


def vocabulary_labels(store: GraphStore) -> dict[str, str]:
    """Labels of every vocabulary term and controlled value, keyed by IRI (a fresh dict)."""
    cache = _cache(store)
    return _labels(store) if cache is None else cache.labels()


def rule_texts(store: GraphStore) -> Mapping[str, Row]:
    """Each rule's title and explanation (a row of rule_texts.rq), keyed by the rule's IRI."""
    cache = _cache(store)
    return _rules(store) if cache is None else cache.rules()


def speakers(store: GraphStore) -> list[Row]:
    """Every speaker with a label and an organisation it belongs to (read-only rows)."""
    cache = _cache(store)
    return store.select(load_query("speakers")) if cache is None else cache.speakers()


__all__ = ["VocabularyCache", "rule_texts", "speakers", "vocabulary_labels"]
