"""The attribution scorer (eval/attribution_score.py): matching maths on hand-made fixtures,
the gold readers on synthetic files, the extractor adapter and the CLI with a stand-in
extractor. PolNeAR itself is only read when CLAIMGRAPH_POLNEAR points at a copy."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

_PATH = Path(__file__).resolve().parents[1] / "eval" / "attribution_score.py"
_spec = importlib.util.spec_from_file_location("attribution_score", _PATH)
assert _spec is not None and _spec.loader is not None
sc: Any = importlib.util.module_from_spec(_spec)
sys.modules["attribution_score"] = sc  # dataclasses look their module up here
_spec.loader.exec_module(sc)

Attr = sc.Attr
Doc = sc.Doc


def at(text: str, part: str, nth: int = 0) -> tuple[int, int]:
    """The span of the nth occurrence of part in text."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


# --------------------------------------------------------------------------------------------
# normalisation


@pytest.mark.parametrize("raw, expected", [
    ("“The plan failed,”", "The plan failed"),
    ('  "The plan failed."  ', "The plan failed"),
    ("''The plan failed''", "The plan failed"),
    ("\u2018The plan failed\u2019;", "The plan failed"),
    ("that the plan failed.", "the plan failed"),
    ("“that the plan failed”", "the plan failed"),
    (", that “the plan failed,” ", "the plan failed"),
    ("That plan failed", "That plan failed"),  # capitalised: a determiner, kept
    ("thatcher won", "thatcher won"),
    ("the plan's “failure”!", "the plan's “failure”!"),  # only , . : ; and quotes are stripped
])
def test_normalise_strips_quotes_punctuation_and_complementizer(raw: str, expected: str) -> None:
    text = "xx" + raw + "yy"
    span = sc.normalise(text, (2, 2 + len(raw)))
    assert text[span[0]:span[1]] == expected


def test_normalise_keeps_a_span_made_only_of_punctuation() -> None:
    text = "Trump: We will win."
    colon = at(text, ":")
    assert sc.normalise(text, colon) == colon
    assert sc.normalise(text, (colon[0], colon[1] + 1)) == colon  # trailing space goes


# --------------------------------------------------------------------------------------------
# scoring

TEXT = ("Smith said that the plan failed. “We will win,” Jones told reporters. "
        "According to officials, the bridge was closed.")


def gold_doc() -> Any:
    t = TEXT
    return Doc(id="d", text=t, gold=[
        Attr(source=at(t, "Smith"), cue=at(t, "said"),
             content=(at(t, "that the plan failed."),), speaker="John Smith"),
        Attr(source=at(t, "Jones"), cue=at(t, "told"), content=(at(t, "“We will win,”"),),
             speaker="Mary Jones"),
        Attr(source=at(t, "officials"), cue=at(t, "According to"),
             content=(at(t, "the bridge was closed"),)),
    ])


def test_perfect_prediction_scores_one_everywhere() -> None:
    doc = gold_doc()
    r = sc.score([doc], [list(doc.gold)])
    for comp in ("source", "cue", "content"):
        for mode in ("exact", "overlap"):
            s = r.scores[comp][mode]
            assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0), (comp, mode)
    assert (r.n_gold, r.n_predicted, r.n_matched) == (3, 3, 3)
    assert r.speaker_accuracy == 1.0 and r.say_recall == 1.0


def test_exact_needs_equal_normalised_spans_overlap_needs_one_character() -> None:
    doc = gold_doc()
    t = TEXT
    pred = [
        # boundaries differ only by quotes, "that " and punctuation: exact
        Attr(source=at(t, "Smith"), cue=at(t, "said"), content=(at(t, "the plan failed"),)),
        # content cut short: overlap only; source takes in "Jones told": overlap only
        Attr(source=(at(t, "Jones")[0], at(t, "told")[1]), cue=at(t, "told"),
             content=(at(t, "We will"),)),
    ]
    r = sc.score([doc], [pred])
    content = r.scores["content"]
    assert (content["exact"].tp, content["overlap"].tp) == (1, 2)
    assert content["exact"].precision == 0.5 and content["exact"].recall == pytest.approx(1 / 3)
    assert content["overlap"].precision == 1.0 and content["overlap"].recall == pytest.approx(2 / 3)
    assert content["overlap"].f1 == pytest.approx(0.8)
    assert (r.scores["source"]["exact"].tp, r.scores["source"]["overlap"].tp) == (1, 2)
    assert r.scores["source"]["exact"].n_gold == 3 and r.scores["source"]["exact"].n_pred == 2
    assert (r.scores["cue"]["exact"].tp, r.scores["cue"]["overlap"].tp) == (2, 2)


def test_disjoint_and_adjacent_spans_do_not_overlap() -> None:
    t = "Alpha beta said gamma delta."
    doc = Doc(id="d", text=t, gold=[Attr(None, at(t, "said"), (at(t, "gamma delta"),))])
    pred = [Attr(None, at(t, "beta"), (at(t, "Alpha beta said "),))]  # touches, shares nothing
    r = sc.score([doc], [pred])
    assert r.scores["content"]["overlap"].tp == 0
    assert r.scores["cue"]["overlap"].tp == 0
    assert r.n_matched == 0


def test_matching_is_one_to_one() -> None:
    t = "He said the tax will rise next year and the deficit will shrink."
    one_gold = Doc(id="d", text=t, gold=[Attr(at(t, "He"), at(t, "said"),
                                              (at(t, "the tax will rise next year"),))])
    two_preds = [Attr(at(t, "He"), at(t, "said"), (at(t, "the tax will rise"),)),
                 Attr(at(t, "He"), at(t, "said"), (at(t, "next year"),))]
    r = sc.score([one_gold], [two_preds])
    for comp in ("source", "cue", "content"):
        s = r.scores[comp]["overlap"]
        assert (s.tp, s.n_pred, s.n_gold) == (1, 2, 1), comp
        assert (s.precision, s.recall) == (0.5, 1.0)
        assert r.scores[comp]["exact"].tp == (0 if comp == "content" else 1)

    two_gold = Doc(id="d", text=t, gold=[
        Attr(None, at(t, "said"), (at(t, "the tax will rise next year"),)),
        Attr(None, at(t, "said"), (at(t, "the deficit will shrink"),))])
    one_pred = [Attr(None, at(t, "said"), (at(t, "the tax will rise next year and the deficit"),))]
    r = sc.score([two_gold], [one_pred])
    assert r.scores["content"]["overlap"].recall == 0.5
    assert r.scores["content"]["overlap"].precision == 1.0
    assert r.scores["cue"]["exact"].tp == 1  # the second gold "said" has no prediction left


def test_greedy_pairs_take_the_largest_overlap_first() -> None:
    gold = [[(0, 10)], [(10, 30)]]
    pred = [[(5, 25)], [(0, 8)]]
    # pred 0 shares 5 chars with gold 0 and 15 with gold 1; pred 1 shares 8 with gold 0
    assert sc.greedy_pairs(gold, pred) == [(0, 1), (1, 0)]
    assert sc.greedy_pairs([[(0, 10)]], [[(0, 4)], [(2, 10)]]) == [(0, 1)]
    assert sc.greedy_pairs([[(0, 10)]], [[(10, 20)]]) == []


def test_exact_content_is_one_to_one_too() -> None:
    t = "She said the vote was rigged and the count was slow."
    content = at(t, "the vote was rigged")
    doc = Doc(id="d", text=t, gold=[Attr(at(t, "She"), at(t, "said"), (content,))])
    pred = [Attr(at(t, "She"), at(t, "said"), (content,)),
            Attr(at(t, "She"), at(t, "said"), (content,))]
    r = sc.score([doc], [pred])
    assert r.scores["content"]["exact"].tp == 1
    assert r.scores["content"]["exact"].precision == 0.5
    assert r.n_matched == 1


def test_discontinuous_content() -> None:
    t = "“The economy,” Jones said, “is in ruins.” Then she left."
    gold_pieces = (at(t, "“The economy,”"), at(t, "“is in ruins.”"))
    doc = Doc(id="d", text=t, gold=[Attr(at(t, "Jones"), at(t, "said"), gold_pieces)])

    # the same pieces written differently, and the cover as one span: exact (cover compared)
    as_cover = [Attr(at(t, "Jones"), at(t, "said"), ((0, at(t, "ruins")[1]),))]
    r = sc.score([doc], [as_cover])
    assert r.scores["content"]["exact"].tp == 1

    # only the second piece: overlap but not exact
    second = [Attr(None, at(t, "said"), (at(t, "is in ruins"),))]
    r = sc.score([doc], [second])
    assert (r.scores["content"]["exact"].tp, r.scores["content"]["overlap"].tp) == (0, 1)

    # inside the gap between the pieces (source and cue): shares no content character
    in_gap = [Attr(None, at(t, "said"), (at(t, "Jones said"),))]
    r = sc.score([doc], [in_gap])
    assert r.scores["content"]["overlap"].tp == 0

    # the gold pieces in the other order, plus a piece of nothing but a quote mark and a space
    # beyond them: dropped, so exact all the same
    q = t.index("” Then")
    quote = (q, q + 2)
    reordered = Attr(at(t, "Jones"), at(t, "said"), (gold_pieces[1], gold_pieces[0], quote))
    r = sc.score([doc], [[reordered]])
    assert r.scores["content"]["exact"].tp == 1


def test_source_and_cue_are_scored_apart_from_the_attribution_pairing() -> None:
    t = "Smith said taxes rise. Jones said taxes fall."
    doc = Doc(id="d", text=t, gold=[
        Attr(at(t, "Smith"), at(t, "said"), (at(t, "taxes rise"),)),
        Attr(at(t, "Jones"), at(t, "said", 1), (at(t, "taxes fall"),))])
    # right spans, crossed over: each source and cue equals a gold one of its kind
    pred = [Attr(at(t, "Jones"), at(t, "said", 1), (at(t, "taxes rise"),)),
            Attr(at(t, "Smith"), at(t, "said"), (at(t, "taxes fall"),))]
    r = sc.score([doc], [pred])
    assert r.scores["source"]["exact"].f1 == 1.0
    assert r.scores["cue"]["exact"].f1 == 1.0
    assert r.scores["content"]["exact"].f1 == 1.0
    assert r.speaker_accuracy == 0.0  # but the matched pairs have the wrong speakers


def test_speaker_accuracy() -> None:
    t = "Donald Trump said walls work. Clinton said walls fail. They said nothing."
    doc = Doc(id="d", text=t, gold=[
        Attr(at(t, "Donald Trump"), at(t, "said"), (at(t, "walls work"),),
             speaker="Donald J. Trump"),
        Attr(at(t, "Clinton"), at(t, "said", 1), (at(t, "walls fail"),),
             speaker="Hillary Clinton"),
        Attr(None, at(t, "said", 2), (at(t, "nothing"),)),  # no gold source: not counted
    ])
    pred = [
        Attr(at(t, "Trump"), at(t, "said"), (at(t, "walls work"),)),  # overlapping span
        Attr(None, at(t, "said", 1), (at(t, "walls fail"),), speaker="clinton"),  # name agrees
        Attr(at(t, "They"), at(t, "said", 2), (at(t, "nothing"),)),
    ]
    r = sc.score([doc], [pred])
    assert (r.speaker_correct, r.speaker_total) == (2, 2)

    wrong = [Attr(at(t, "Clinton"), at(t, "said"), (at(t, "walls work"),), speaker="Bill"),
             Attr(None, at(t, "said", 1), (at(t, "walls fail"),))]
    r = sc.score([doc], [wrong])
    assert (r.speaker_correct, r.speaker_total) == (0, 2)
    assert r.speaker_accuracy == 0.0


@pytest.mark.parametrize("a, b, agree", [
    ("Donald Trump", "Trump", True),
    ("trump", "Donald J. Trump", True),
    ("Mr. Trump", "Donald Trump", True),
    ("Hillary Clinton", "Bill de Blasio", False),
    ("Bill Clinton's aide", "Hillary Clinton", True),  # the rule is lenient: shares "clinton"
    ("Clinton", "Clintonite", False),
    ("", "Trump", False),
])
def test_names_agree(a: str, b: str, agree: bool) -> None:
    assert sc.names_agree(a, b) is agree


def test_recall_on_say_verb_cues() -> None:
    t = ("Smith said taxes rise. Jones argued taxes fall. According to Lee, rates hold. "
         "Kim noted costs grew. Ann admitted defeat.")
    doc = Doc(id="d", text=t, gold=[
        Attr(at(t, "Smith"), at(t, "said"), (at(t, "taxes rise"),)),
        Attr(at(t, "Jones"), at(t, "argued"), (at(t, "taxes fall"),)),  # not a say-verb
        Attr(at(t, "Lee"), at(t, "According to"), (at(t, "rates hold"),)),
        Attr(at(t, "Kim"), at(t, "noted"), (at(t, "costs grew"),)),
        Attr(at(t, "Ann"), at(t, "admitted"), (at(t, "defeat"),), cue_lemma="argue"),
        Attr(None, at(t, "Smith"), (at(t, "taxes rise"),), cue_lemma="according to"),
    ])
    pred = [Attr(None, at(t, "said"), (at(t, "taxes rise"),)),
            Attr(None, at(t, "argued"), (at(t, "taxes fall"),))]
    r = sc.score([doc], [pred])
    # say, according, note are say-cues; the gold's own cue_lemma wins over the text: "argue"
    # is not one, "according to" is (the last gold shares its content with the first, which
    # took the only prediction there: not found)
    assert (r.say_found, r.say_total) == (1, 4)
    # a lemmatiser that knows no verbs of saying leaves only the surface word "according"
    r = sc.score([doc], [pred], lemmatise=lambda s: "zzz")
    assert (r.say_found, r.say_total) == (0, 2)


@pytest.mark.parametrize("cue, lemma", [
    ("said", "say"), ("has said", "say"), ("told reporters", "tell"), ("According to", "according"),
    ("noted", "note"), ("admitted", "admit"), ("replied", "reply"), ("tweeted", "tweet"),
    ("states", "state"), ("denies", "deny"), ("vows", "vow"), ("conceded", "concede"),
])
def test_cue_lemma_of(cue: str, lemma: str) -> None:
    assert sc.cue_lemma_of(cue) == lemma


@pytest.mark.parametrize("cue", ["believes", "argued", "reserved his passion for", ":",
                                 "sources"])
def test_other_cues_are_not_say_verbs(cue: str) -> None:
    assert sc.cue_lemma_of(cue) not in sc.SAY_LEMMAS


class _FakeNlp:
    """Stands in for a spaCy pipeline: one token per word, lemma = word without a final "ed"."""

    def __init__(self) -> None:
        self.piped: list[list[str]] = []
        self.called: list[str] = []

    def _doc(self, text: str) -> list[Any]:
        return [types.SimpleNamespace(lemma_=w.removesuffix("ed")) for w in text.split()]

    def __call__(self, text: str) -> list[Any]:
        self.called.append(text)
        return self._doc(text)

    def pipe(self, texts: list[str], batch_size: int = 0) -> Any:
        self.piped.append(list(texts))
        return (self._doc(t) for t in texts)


def test_spacy_lemmatiser_is_warmed_in_one_batch_then_cached() -> None:
    nlp = _FakeNlp()
    lemmatise = sc.SpacyLemmatiser(nlp)
    t = "Smith warned taxes rise. Jones warned costs fall. Lee added fees grow."
    doc = Doc(id="d", text=t, gold=[
        Attr(None, at(t, "warned"), (at(t, "taxes rise"),)),
        Attr(None, at(t, "warned", 1), (at(t, "costs fall"),)),
        Attr(None, at(t, "added"), (at(t, "fees grow"),), cue_lemma="add")])
    r = sc.score([doc], [[]], lemmatise=lemmatise)
    assert nlp.piped == [["warned"]] and nlp.called == []
    assert r.say_total == 3
    assert lemmatise("warned") == "warn" and lemmatise("voted") == "vot"
    assert nlp.called == ["voted"]


def test_score_rejects_misaligned_or_out_of_range_predictions() -> None:
    doc = gold_doc()
    with pytest.raises(ValueError):
        sc.score([doc], [])
    with pytest.raises(ValueError):
        sc.score([doc], [[Attr(None, (0, 5), ((0, len(TEXT) + 1),))]])


def test_empty_predictions_and_empty_gold() -> None:
    doc = gold_doc()
    r = sc.score([doc], [[]])
    assert r.scores["content"]["overlap"].precision == 0.0
    assert r.scores["content"]["overlap"].recall == 0.0
    assert r.scores["content"]["overlap"].f1 == 0.0
    r = sc.score([Doc(id="e", text="Nothing here.", gold=[])], [[]])
    assert r.speaker_accuracy is None and r.say_recall is None
    assert "n/a" in r.as_table()


def test_report_table_and_dict() -> None:
    doc = gold_doc()
    t = TEXT
    r = sc.score([doc], [[Attr(at(t, "Smith"), at(t, "said"), (at(t, "the plan"),))]],
                 title="fixture")
    table = r.as_table()
    lines = table.splitlines()
    assert lines[0] == "== fixture =="
    rows = [ln for ln in lines if ln.startswith(("source", "cue", "content"))]
    assert len(rows) == 6
    assert len({len(ln) for ln in lines[1:8]}) == 1  # header and rows aligned
    content_exact = next(ln for ln in rows if ln.split()[:2] == ["content", "exact"])
    assert content_exact.split()[2:5] == ["0.000", "0.000", "0.000"]
    content_overlap = next(ln for ln in rows if ln.split()[:2] == ["content", "overlap"])
    assert content_overlap.split()[2:5] == ["1.000", "0.333", "0.500"]
    assert "speaker accuracy on matched: 1.000 (1/1)" in table
    d = r.as_dict()
    json.dumps(d)
    assert d["components"]["content"]["overlap"]["recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert (d["gold"], d["predicted"], d["matched"]) == (3, 1, 1)


# --------------------------------------------------------------------------------------------
# the project's own gold


def test_read_own(tmp_path: Path) -> None:
    text = "Smith said “taxes rise.”"
    (tmp_path / "p1.json").write_text(json.dumps({
        "id": "passage-1", "text": text, "published": "2018-12-10", "attributions": [
            {"source": list(at(text, "Smith")), "cue": list(at(text, "said")),
             "content": [list(at(text, "“taxes rise.”"))], "speaker": "John Smith",
             "note": "ignored"},
            {"source": None, "cue": list(at(text, "said")), "content": [[11, 17], [18, 24]],
             "speaker": None},
        ]}), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not gold", encoding="utf-8")
    [doc] = sc.read_own(tmp_path)
    assert (doc.id, doc.text, doc.published) == ("passage-1", text, "2018-12-10")
    assert doc.gold[0] == Attr(source=(0, 5), cue=(6, 10), content=((11, 24),),
                               speaker="John Smith")
    assert doc.gold[1].source is None and doc.gold[1].content == ((11, 17), (18, 24))


def test_read_own_rejects_offsets_past_the_text(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(json.dumps({
        "id": "b", "text": "short", "attributions": [
            {"source": None, "cue": [0, 3], "content": [[2, 40]]}]}), encoding="utf-8")
    with pytest.raises(sc.GoldError):
        sc.read_own(tmp_path)


# --------------------------------------------------------------------------------------------
# PolNeAR (BRAT standoff), on synthetic files

# a CRLF line end: BRAT counts the \r, so the text must be read without newline translation
BRAT_TEXT = ("Café owners said “the rent is too high,” and Ms. Núñez added that prices,\n"
             "she feared, would rise.\r\nThe mayor\u2019s office: “No\ncomment.”\n")


def _tline(tid: str, label: str, spans: list[tuple[int, int]]) -> str:
    offsets = ";".join(f"{s} {e}" for s, e in spans)
    covered = " ".join(BRAT_TEXT[s:e] for s, e in spans)
    return f"{tid}\t{label} {offsets}\t{covered}"


def _write_polnear(root: Path, split: str = "train") -> dict[str, tuple[int, int]]:
    t = BRAT_TEXT
    s: dict[str, tuple[int, int]] = {
        "owners": at(t, "Café owners"), "said": at(t, "said"),
        "rent": at(t, "“the rent is too high,”"), "nunez": at(t, "Ms. Núñez"),
        "added": at(t, "added"), "prices": at(t, "that prices,"),
        "feared": at(t, "she feared"), "rise": at(t, "would rise."),
        "colon": at(t, ":"), "nocomment": at(t, "“No\ncomment.”"),
        "office": at(t, "The mayor\u2019s office"),
    }
    ann_a = "\n".join([
        _tline("T1", "Source", [s["owners"]]),
        _tline("T2", "Cue", [s["said"]]),
        _tline("T3", "Content", [s["rent"]]),
        _tline("T4", "Attribution", [s["said"]]),
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1",
        _tline("T5", "Source", [at(t, "Ms."), at(t, "Núñez")]),  # discontinuous: its cover
        _tline("T6", "Cue", [s["added"]]),
        _tline("T7", "Content", [s["prices"], s["rise"]]),  # discontinuous
        _tline("T8", "Attribution", [s["added"]]),
        _tline("T9", "Content", [s["feared"]]),  # a second Content role on the same event
        "E2\tAttribution:T8 Source:T5 Cue:T6 Content:T7 Content2:T9",
        _tline("T10", "Discuss", [s["colon"]]),  # relabelled, still the event's Cue
        # its covered text has a newline: the line goes on as a continuation line
        _tline("T11", "Content", [s["nocomment"]]),
        _tline("T12", "Attribution-no-source", [s["colon"]]),
        "E3\tAttribution-no-source:T12 Content:T11 Cue:T10",
        _tline("T13", "Attribution-no-source", [s["office"]]),
        "E4\tAttribution-no-source:T13",  # empty event: skipped
        _tline("T14", "Discard", [s["office"]]),
        "#1\tAnnotatorNotes T3\tcheck this",
        "",
    ])
    ann_b = "\n".join([_tline("T1", "Content", [s["rent"]]), _tline("T2", "Cue", [s["said"]]),
                       _tline("T3", "Attribution", [s["said"]]),
                       "E1\tAttribution:T3 Content:T1 Cue:T2", ""])
    base = root / "data" / split
    (base / "text").mkdir(parents=True)
    (base / "attributions").mkdir()
    name = "nyt_2016-05-01_cafe-owners"
    (base / "text" / f"{name}.txt").write_bytes(BRAT_TEXT.encode("utf-8"))
    # written in the other order: the reader must pick by name, not by creation
    (base / "attributions" / f"{name}_b2c3.ann").write_bytes(ann_b.encode("utf-8"))
    (base / "attributions" / f"{name}_a1b2.ann").write_bytes(ann_a.encode("utf-8"))
    return s


def test_read_polnear_synthetic(tmp_path: Path) -> None:
    s = _write_polnear(tmp_path)
    log: list[str] = []
    [doc] = sc.read_polnear(tmp_path, splits=("train",), log=log)
    assert doc.id == "nyt_2016-05-01_cafe-owners" and doc.published == "2016-05-01"
    assert doc.text == BRAT_TEXT
    assert len(doc.gold) == 3  # annotator a1b2 (3 non-empty events), not b2c3 (1)
    first, second, third = doc.gold
    assert first == Attr(source=s["owners"], cue=s["said"], content=(s["rent"],))
    assert second.source == s["nunez"] and second.cue == s["added"]
    assert second.content == (s["prices"], s["feared"], s["rise"])
    assert third == Attr(source=None, cue=s["colon"], content=(s["nocomment"],))
    assert any("2 annotators, using nyt_2016-05-01_cafe-owners_a1b2.ann" in n for n in log)
    assert any("E4" in n and "skipped" in n for n in log)
    # the offsets are character offsets: non-ASCII text before them is counted per character
    assert BRAT_TEXT[second.source[0]:second.source[1]] == "Ms. Núñez"


def test_read_polnear_scores_against_itself(tmp_path: Path) -> None:
    _write_polnear(tmp_path)
    docs = sc.read_polnear(tmp_path, splits=("train",))
    r = sc.score(docs, [d.gold for d in docs])
    assert all(r.scores[c][m].f1 == 1.0 for c in ("source", "cue", "content")
               for m in ("exact", "overlap"))


def test_read_polnear_checks_offsets(tmp_path: Path) -> None:
    _write_polnear(tmp_path)
    ann = tmp_path / "data" / "train" / "attributions" / "nyt_2016-05-01_cafe-owners_a1b2.ann"
    ann.write_text(ann.read_text(encoding="utf-8").replace("\tCafé owners", "\tCafe owners"),
                   encoding="utf-8")
    with pytest.raises(sc.GoldError, match="T1"):
        sc.read_polnear(tmp_path, splits=("train",))


def test_read_polnear_rejects_a_dangling_reference() -> None:
    with pytest.raises(sc.GoldError, match="T9"):
        sc.parse_brat("T1\tCue 0 3\tabc\nE1\tAttribution:T1 Content:T9 Cue:T1\n", "abcdef")


@pytest.mark.parametrize("splits", [("test",), ("train", "test"), ("dev", "TEST"), ("./test",),
                                    "test"])
def test_read_polnear_refuses_the_test_split(tmp_path: Path, splits: Any) -> None:
    _write_polnear(tmp_path, split="test")
    _write_polnear(tmp_path, split="train")
    with pytest.raises(sc.GoldError, match="held out"):
        sc.read_polnear(tmp_path, splits=splits)


def test_read_polnear_default_is_train_and_dev(tmp_path: Path) -> None:
    _write_polnear(tmp_path, split="train")
    _write_polnear(tmp_path, split="dev")
    _write_polnear(tmp_path, split="test")
    assert len(sc.read_polnear(tmp_path)) == 2


@pytest.mark.skipif(not os.environ.get("CLAIMGRAPH_POLNEAR"),
                    reason="set CLAIMGRAPH_POLNEAR to a PolNeAR copy to read the real corpus")
def test_read_real_polnear() -> None:
    root = Path(os.environ["CLAIMGRAPH_POLNEAR"])
    if not (root / "data" / "train").is_dir():
        pytest.skip(f"no PolNeAR at {root}")
    docs = sc.read_polnear(root)  # raises on any offset that does not match its text
    assert len(docs) > 800
    attrs = [a for d in docs for a in d.gold]
    assert len(attrs) > 20000
    assert 0 < sum(a.source is None for a in attrs) < len(attrs) // 5
    r = sc.score(docs, [d.gold for d in docs])
    assert r.scores["content"]["exact"].f1 == 1.0 and r.scores["cue"]["overlap"].f1 == 1.0


# --------------------------------------------------------------------------------------------
# the extractor adapter and the CLI


@dataclass
class _Found:
    source: tuple[int, int] | None
    cue: tuple[int, int] | None
    content: tuple[tuple[int, int], ...]
    speaker: str | None
    cue_lemma: str


def _fake_extractor(monkeypatch: pytest.MonkeyPatch, calls: list[list[str]]) -> None:
    module = types.ModuleType("app.ingest.attribution")

    def attribute(texts: list[str]) -> list[list[_Found]]:
        calls.append(list(texts))
        out = []
        for t in texts:
            i = t.find(" said ")
            out.append([] if i < 0 else [
                _Found((0, i), (i + 1, i + 5), ((i + 6, len(t)),), t[:i], "say")])
        return out

    module.attribute = attribute  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "app.ingest.attribution", module)


def test_predict_converts_the_extractor_output(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    _fake_extractor(monkeypatch, calls)
    out = sc.predict(["Smith said taxes rise.", "Nothing."])
    assert calls == [["Smith said taxes rise.", "Nothing."]]
    assert out == [[Attr(source=(0, 5), cue=(6, 10), content=((11, 22),), speaker="Smith",
                         cue_lemma="say")], []]


def test_predict_reads_a_missing_cue_as_no_cue(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("app.ingest.attribution")
    text = "“Taxes rise,” Smith said. “And soon.”"
    found = [_Found(at(text, "Smith"), at(text, "said"), (at(text, "“Taxes rise,”"),), None,
                    "say"),
             _Found(None, None, (at(text, "“And soon.”"),), None, "(continued)")]
    module.attribute = lambda texts: [found]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "app.ingest.attribution", module)
    [pred] = sc.predict([text])
    assert pred[1].cue == (at(text, "“And soon.”")[0],) * 2
    doc = Doc(id="d", text=text, gold=[
        Attr(at(text, "Smith"), at(text, "said"), (at(text, "“Taxes rise,”"),
                                                    at(text, "“And soon.”")))])
    r = sc.score([doc], [pred])
    assert (r.scores["cue"]["exact"].tp, r.scores["cue"]["exact"].n_pred) == (1, 1)
    assert r.scores["content"]["overlap"].n_pred == 2


def test_cli_exits_2_without_the_extractor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "app.ingest.attribution", types.ModuleType("x"))
    monkeypatch.setattr(sc, "spacy_lemmatiser", lambda: None)
    _own_fixture(tmp_path)
    assert sc.main(["--own", str(tmp_path)]) == 2
    assert "app.ingest.attribution.attribute" in capsys.readouterr().err


def _own_fixture(folder: Path) -> None:
    text = "Smith said taxes rise."
    (folder / "a.json").write_text(json.dumps({
        "id": "a", "text": text, "published": None, "attributions": [
            {"source": [0, 5], "cue": [6, 10], "content": [[11, 22]], "speaker": "Smith"}]}),
        encoding="utf-8")


def test_cli_scores_own_gold_and_skips_polnear(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    _fake_extractor(monkeypatch, [])
    monkeypatch.setattr(sc, "spacy_lemmatiser", lambda: None)
    _own_fixture(tmp_path)
    assert sc.main(["--own", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "PolNeAR: skipped (no path given)" in out
    assert "== own gold ==" in out and "docs/s" in out
    assert "content    exact    1.000  1.000  1.000" in out

    assert sc.main(["--own", str(tmp_path), "--polnear", str(tmp_path / "absent"), "--json"]) == 0
    captured = capsys.readouterr()
    assert "PolNeAR: skipped (no path given" in captured.err
    data = json.loads(captured.out)
    assert data["own gold"]["components"]["source"]["exact"]["f1"] == 1.0
    assert data["own gold"]["docs_per_s"] > 0


def test_cli_reads_polnear_when_given(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[list[str]] = []
    _fake_extractor(monkeypatch, calls)
    monkeypatch.setattr(sc, "spacy_lemmatiser", lambda: None)
    own = tmp_path / "own"
    own.mkdir()
    _write_polnear(tmp_path / "polnear", split="train")
    # a copy without its dev split is not PolNeAR train+dev: refused, nothing extracted
    assert sc.main(["--polnear", str(tmp_path / "polnear"), "--own", str(own)]) == 1
    assert "no PolNeAR split 'dev'" in capsys.readouterr().err
    assert calls == []

    _write_polnear(tmp_path / "polnear", split="dev")
    assert sc.main(["--polnear", str(tmp_path / "polnear"), "--own", str(own)]) == 0
    out = capsys.readouterr().out
    assert "== PolNeAR train+dev ==" in out and "docs 2  gold 6" in out
    assert "own gold: skipped" in out
    assert calls == [[BRAT_TEXT, BRAT_TEXT]]
