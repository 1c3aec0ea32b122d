"""Known names: every label and alias of the store's entities, with their kind and organisation.

The extractor resolves "the Observatory", "Bali" or "ISIS" through it, without asking the
store for each name, which keeps extraction fast and free of I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from app.model.vocab import CG, ENTITY, SCHEMA

_KIND = {
    CG.Person: "person", CG.Organization: "org", CG.Outlet: "outlet", CG.Group: "group",
    CG.Place: "place", CG.Source: "source", SCHEMA.Place: "place", SCHEMA.Thing: "thing",
}


@dataclass(frozen=True)
class Entity:
    """A known entity: its id (the local part of its IRI), display label, kind, organisation."""

    id: str
    label: str
    kind: str
    org: str | None = None


@dataclass
class Gazetteer:
    """Lower-cased names and aliases → entities; countries → their state news agency."""

    names: dict[str, Entity] = field(default_factory=dict)
    state_media: dict[str, Entity] = field(default_factory=dict)  # country id -> agency
    demonyms: dict[str, Entity] = field(default_factory=dict)  # "syrian" -> the country
    _cache: dict[str, Entity | None] = field(default_factory=dict, repr=False)
    _skeletons: dict[str, Entity] | None = field(default=None, repr=False)

    def add(self, name: str, entity: Entity) -> None:
        """Register a name; a name claimed by two entities is dropped (ambiguous)."""
        key = _key(name)
        if not key:
            return
        self._cache.clear()
        self._skeletons = None
        old = self.names.get(key)
        if old is not None and old.id != entity.id:
            self.names[key] = Entity("", key, "ambiguous")
        else:
            self.names[key] = entity

    def get(self, name: str) -> Entity | None:
        """The entity for a name as written ("the Observatory", "ISIS's"), if known."""
        if name in self._cache:
            return self._cache[name]
        found = self._get(name)
        self._cache[name] = found
        return found

    def _get(self, name: str) -> Entity | None:
        key = _key(name)
        bare = re.sub(r"^the ", "", re.sub(r"(?:'s|\u2019s)$", "", key))
        for candidate in (key, bare, "the " + bare):
            found = self.names.get(candidate)
            if found is not None and found.kind != "ambiguous":
                return found
        return self._transliterated(bare)

    def _transliterated(self, key: str) -> Entity | None:
        """A person's name spelled another way: Abdel Rahman = Abdulrahman = Abdurrahman,
        Mohammed = Muhammad. Names are compared on their consonant skeleton (after folding
        the Arabic article forms abd-el/abd-ul/abd-ur), then confirmed with rapidfuzz's
        ratio on the folded spelling (at least 80), so that short names never collide."""
        if len(key) < 8 or " " not in key.strip():
            return None
        if self._skeletons is None:
            self._skeletons = {}
            for name, entity in self.names.items():
                if entity.kind in ("person", "source") and " " in name:
                    self._skeletons.setdefault(_skeleton(name), entity)
        found = self._skeletons.get(_skeleton(key))
        if found is None or len(_skeleton(key)) < 6:
            return None
        labels = [n for n, e in self.names.items() if e is found]
        best = max((fuzz.ratio(_fold(key), _fold(n)) for n in labels), default=0.0)
        return found if best >= 80 else None

    def labels(self, entity_id: str) -> list[str]:
        """Every (lower-cased) name and alias of an entity."""
        return [n for n, e in self.names.items() if e.id == entity_id]

    def country(self, name: str) -> Entity | None:
        """A country by name or demonym ("Syria", "Syrian")."""
        return self.demonyms.get(_key(name)) or self.get(name)

    def places(self) -> re.Pattern[str] | None:
        """One pattern matching every name of a known place (longest first), or None."""
        names = sorted((n for n, e in self.names.items() if e.kind == "place"), key=len,
                       reverse=True)
        if not names:
            return None
        return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b",
                          re.IGNORECASE)

    @classmethod
    def from_rows(cls, rows: list[dict[str, str]]) -> Gazetteer:
        """From rows with keys entity, label, pref, type and optionally org (IRIs as strings)."""
        gaz = cls()
        by_entity: dict[str, dict[str, str]] = {}
        for row in rows:
            info = by_entity.setdefault(row["entity"], {})
            for key in ("pref", "type", "org"):
                if row.get(key) and (key != "type" or info.get("type") in (None, "thing")):
                    info[key] = (
                        _KIND.get(URIRef(row[key]), "thing") if key == "type" else row[key]
                    )
        entities = {
            iri: Entity(
                id=_local(iri), label=info.get("pref", _local(iri)), kind=info.get("type", "thing"),
                org=_local(info["org"]) if info.get("org") else None,
            )
            for iri, info in by_entity.items()
        }
        for row in rows:
            if row.get("demonym") and row["demonym"] not in ("", "false"):
                gaz.demonyms[_key(row["label"])] = entities[row["entity"]]
                continue
            gaz.add(row["label"], entities[row["entity"]])
            if row.get("stateMediaOf"):
                gaz.state_media[_local(row["stateMediaOf"])] = entities[row["entity"]]
        return gaz

    @classmethod
    def from_turtle(cls, path: Path) -> Gazetteer:
        """From an entity file such as ontology/entities.ttl (no store needed)."""
        g = Graph().parse(path, format="turtle")
        rows: list[dict[str, str]] = []
        for s in set(g.subjects(SKOS.prefLabel, None)):
            pref = str(g.value(s, SKOS.prefLabel))
            kind = next((str(t) for t in g.objects(s, RDF.type)), "")
            org = g.value(s, SCHEMA.memberOf)
            country = g.value(s, CG.stateMediaOf)
            for label in [*g.objects(s, SKOS.prefLabel), *g.objects(s, SKOS.altLabel)]:
                rows.append({"entity": str(s), "label": str(label), "pref": pref, "type": kind,
                             "org": str(org) if org is not None else "",
                             "stateMediaOf": str(country) if country is not None else ""})
            for label in g.objects(s, SKOS.hiddenLabel):
                rows.append({"entity": str(s), "label": str(label), "pref": pref, "type": kind,
                             "demonym": "true"})
        return cls.from_rows(rows)


def _fold(name: str) -> str:
    """Lower case, Arabic article forms folded ("abdel "/"abdul"/"abd al-" → "abd"),
    letters only, doubled letters single."""
    text = name.lower().replace("\u2019", "'")
    text = re.sub(r"\babd[ -]?(?:el|al|ul|ur|ar|er)[ -]?", "abd", text)
    text = re.sub(r"\b(?:el|al)-", "", text)
    text = re.sub(r"[^a-z ]", "", text)
    return re.sub(r"(.)\1+", r"\1", text).strip()


def _skeleton(name: str) -> str:
    """The consonants of each word of a folded name (vowels vary across transliterations)."""
    return " ".join(re.sub(r"[aeiouy]", "", w) or w for w in _fold(name).split())


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("\u2019", "'")).strip().lower()


def _local(iri: str) -> str:
    return iri[len(str(ENTITY)):] if iri.startswith(str(ENTITY)) else iri
