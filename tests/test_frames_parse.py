"""The frames on the parse: ontology/frames/phrases.json (territory shares, "under X control",
contested places, presence, support) and the phrasings of ontology/frames/states.json that
replaced the regular expressions of frames.ttl (declared, pending, denied defeat, threat,
fighting going on, advances, misread names). Sentences the seed article does not contain, from
other conflicts and in other phrasings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.ingest.extract import Extractor
from app.ingest.frames import load_frames
from app.ingest.gazetteer import Gazetteer
from app.ingest.states import load_phrases, load_states
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    """The extractor over the entity file (no store)."""
    return Extractor.build(ROOT / "ontology", Gazetteer.from_turtle(ROOT / "ontology" / "entities.ttl"))


def triples(extractor: Extractor, text: str) -> set[tuple[str, str, Any, str]]:
    """(subject, property, value, polarity) of the one statement of ``text``; an interval
    value is a sorted tuple of its items."""
    found = extractor.extract(text)
    assert len(found) == 1, [text[s.content[0]:s.content[1]] for s in found]
    return {(t["subject"], t["property"],
             tuple(sorted(t["value"].items())) if isinstance(t["value"], dict) else t["value"],
             t["_polarity"]) for t in found[0].triples}


def share(**kw: Any) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted({**kw, "grade": "partly-controlled"}.items()))


def test_the_frames_are_data_and_the_regular_expressions_are_gone() -> None:
    frames = ROOT / "ontology" / "frames"
    ids = {f.id for f in load_phrases(frames / "phrases.json").frames}
    assert {"control-percent", "control-under", "control-contested", "present-in",
            "supports"} <= ids
    assert {"control-declared", "fighting-fierce", "fighting-advance", "defeat-threat",
            "defeat-end-near"} <= set(load_states(frames / "states.json").frames)
    ttl = (frames / "frames.ttl").read_text(encoding="utf-8")
    for gone in ("cgf:Frame", "cgf:pattern", "cgf:regex", "cgf:Macro", "cgf:trigger",
                 "cgf:CountPatterns", "{GROUP}"):
        assert gone not in ttl
    # what frames.ttl still holds is read: bound words, aliases, wires
    meta = load_frames(frames)
    assert meta.bounds["at least"].lower == 1 and meta.aliases["is fighters"] == "islamic-state"
    assert "Reuters" in meta.wires


def test_an_approximate_share_held_by_an_alias(extractor: Extractor) -> None:
    text = ("Kurdish-led forces now hold about 90 percent of Raqqa, a spokesman for the "
            "Syrian Democratic Forces said.")
    assert triples(extractor, text) == {
        ("Raqqa", "controlStatus", share(min=72.0, min_inclusive=True, max=108.0,
                                         max_inclusive=True), "positive"),
        ("Raqqa", "controlledBy", "sdf", "positive")}


def test_a_share_with_a_percent_sign_and_a_known_place(extractor: Extractor) -> None:
    text = "The Syrian army says it controls 70% of the city of Deir ez-Zor, state media reported."
    found = triples(extractor, text)
    assert ("deir-el-zour", "controlStatus", share(min=70.0, max=70.0), "positive") in found


def test_a_share_written_per_cent(extractor: Extractor) -> None:
    text = "Kyiv said Ukrainian forces hold 20 per cent of Bakhmut."
    assert ("Bakhmut", "controlStatus", share(min=20.0, max=20.0), "positive") in triples(
        extractor, text)


def test_more_than_half_of_a_district_under_control(extractor: Extractor) -> None:
    text = ("More than half of Nad Ali district is under Taliban control, a provincial "
            "council member said.")
    found = triples(extractor, text)
    subject = next(t[0] for t in found)
    assert found == {
        (subject, "controlStatus", share(min=50.0, min_inclusive=False), "positive"),
        (subject, "controlledBy", "Taliban", "positive")}
    assert "Nad Ali" in subject  # a share of the district, not the whole district held


def test_a_passive_share(extractor: Extractor) -> None:
    text = "Some 60 percent of Hajin is now held by Islamic State fighters, the monitor said."
    assert triples(extractor, text) == {
        ("hajin", "controlStatus", share(min=48.0, min_inclusive=True, max=72.0,
                                         max_inclusive=True), "positive"),
        ("hajin", "controlledBy", "islamic-state", "positive")}


def test_a_denied_share(extractor: Extractor) -> None:
    text = "Rebels do not control 40 percent of Idlib, the ministry said."
    assert ("Idlib", "controlStatus", share(min=40.0, max=40.0), "negative") in triples(
        extractor, text)


def test_full_share_is_full_control(extractor: Extractor) -> None:
    text = "The SDF said its fighters have taken 100 percent of Hajin."
    assert ("hajin", "controlStatus", "fully-controlled", "positive") in triples(extractor, text)


def test_a_list_of_places_under_control(extractor: Extractor) -> None:
    text = ("Baghuz and Susa remain under IS control, the Syrian Observatory for Human Rights "
            "said.")
    found = triples(extractor, text)
    for place in ("Baghuz", "Susa"):
        assert (place, "controlStatus", "fully-controlled", "positive") in found
        assert (place, "controlledBy", "islamic-state", "positive") in found


def test_no_longer_under_control(extractor: Extractor) -> None:
    text = "Mustafa Bali said that Raqqa is no longer under the control of the Islamic State."
    assert triples(extractor, text) == {
        ("Raqqa", "controlStatus", "fully-controlled", "negative"),
        ("Raqqa", "controlledBy", "islamic-state", "negative")}


def test_a_future_under_control_is_not_denied(extractor: Extractor) -> None:
    text = "The Observatory said Hajin will remain under IS control for weeks."
    assert ("hajin", "controlStatus", "fully-controlled", "positive") in triples(extractor, text)


def test_a_contested_place(extractor: Extractor) -> None:
    assert triples(extractor, "Hajin remains contested, the Observatory said.") == {
        ("hajin", "controlStatus", "contested", "positive")}


def test_presence_of_fighters(extractor: Extractor) -> None:
    text = "The monitor said Islamic State militants are still holed up in Hajin."
    assert ("islamic-state", "presentIn", "hajin", "positive") in triples(extractor, text)


def test_support_and_its_denial(extractor: Extractor) -> None:
    text = "A U.S. official said the coalition is backing the SDF in its push on Baghuz."
    assert ("coalition", "supports", "sdf", "positive") in triples(extractor, text)
    text = "A Turkish official said the coalition was not helping the SDF."
    assert ("coalition", "supports", "sdf", "negative") in triples(extractor, text)


def test_a_subject_rule_must_name_a_node_and_one_way(tmp_path: Path) -> None:
    data = json.loads((ROOT / "ontology" / "frames" / "states.json").read_text(encoding="utf-8"))
    frame = next(f for f in data["frames"] if f["id"] == "defeat-threat")
    for bad in ({"node": "nowhere", "deps": ["nsubj"]},
                {"node": "trigger", "deps": ["nsubj"], "preps": ["of"]}):
        frame["subject_from"] = [bad]
        path = tmp_path / f"states-{len(bad)}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(ValueError, match="defeat-threat"):
            load_states(path)


# -- phrasings the regular expressions of frames.ttl covered, now on the parse --------------------
@pytest.mark.parametrize(("text", "expected"), [
    # the small model reads a town after the verb as an adverb ("taken Mariupol completely")
    ('"We have taken Mariupol completely," a Wagner commander said.',
     {("Mariupol", "controlStatus", "fully-controlled", "positive"),
      ("Mariupol", "controlledBy", "Wagner", "positive")}),
    ('"We have taken Popasna completely," Kadyrov said.',
     {("Popasna", "controlStatus", "fully-controlled", "positive")}),
    # "the town of X": the place is its name
    ("A spokesman said Wagner fighters had taken control of the town of Soledar.",
     {("Soledar", "controlStatus", "fully-controlled", "positive"),
      ("Soledar", "controlledBy", "Wagner", "positive")}),
    # "IS" read as the verb "is" before the fighters it names
    ("Officials said IS militants had recaptured the town of Hit.",
     {("Hit", "controlStatus", "fully-controlled", "positive"),
      ("Hit", "controlledBy", "islamic-state", "positive")}),
    ("The Iraqi army denied that IS militants had recaptured Rutba.",
     {("Rutba", "controlStatus", "fully-controlled", "negative"),
      ("Rutba", "controlledBy", "islamic-state", "negative")}),
])
def test_control_of_a_misread_or_named_place(
        extractor: Extractor, text: str, expected: set[tuple[str, str, Any, str]]) -> None:
    assert triples(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("The governor said Izium had been declared liberated.",
     {("Izium", "controlStatus", "fully-controlled", "positive")}),
    # a declaration still to come under a future: not taken yet
    ("It will be weeks before the army can declare Mosul free of militants, an Iraqi "
     "commander said.", {("Mosul", "controlStatus", "fully-controlled", "negative")}),
    ("The militia said it will take months before it can declare Sirte liberated.",
     {("Sirte", "controlStatus", "fully-controlled", "negative")}),
    # "until" under a future, as a mark or as a preposition
    ("A commander said the siege will go on until Mosul falls.",
     {("Mosul", "controlStatus", "fully-controlled", "negative")}),
    ('"We will keep fighting until Raqqa is liberated," an SDF commander said.',
     {("Raqqa", "controlStatus", "fully-controlled", "negative")}),
    # reported speech: "would"
    ("Kurdish officials said it would be days before they could declare Kobani free.",
     {("Kobani", "controlStatus", "fully-controlled", "negative")}),
])
def test_declared_and_pending_control(
        extractor: Extractor, text: str, expected: set[tuple[str, str, Any, str]]) -> None:
    assert triples(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ('"The Taliban have been defeated," a NATO general said.',
     {("Taliban", "defeatStatus", "defeated", "positive")}),
    # a denied or future defeat asserts the value not-defeated
    ('"The Taliban have not been defeated," a NATO general said.',
     {("Taliban", "defeatStatus", "not-defeated", "positive")}),
    ("IS has not been defeated, an Iraqi commander said.",  # "IS" read as an auxiliary
     {("islamic-state", "defeatStatus", "not-defeated", "positive")}),
    ("A general said that IS has not been defeated in Iraq.",
     {("islamic-state", "defeatStatus", "not-defeated", "positive")}),
    ('"We will defeat ISIS," Trump said.',
     {("islamic-state", "defeatStatus", "not-defeated", "positive")}),
    # still a threat: not defeated; no longer a threat denies that
    ("The Taliban continue to pose a serious threat to the government, the Pentagon said.",
     {("Taliban", "defeatStatus", "not-defeated", "positive")}),
    ("Boko Haram remains a threat in northeastern Nigeria, the governor said.",
     {("Boko Haram", "defeatStatus", "not-defeated", "positive")}),
    ("Islamic State no longer poses a threat in Iraq, the prime minister said.",
     {("islamic-state", "defeatStatus", "not-defeated", "negative")}),
    ("Russia poses a threat to Europe, the minister said.", set()),
    # an end that approaches has not come
    ('"The end of the Taliban is near," the governor said.',
     {("Taliban", "defeatStatus", "not-defeated", "positive")}),
    ("The end for Boko Haram is approaching, Nigeria's army chief said.",
     {("Boko Haram", "defeatStatus", "not-defeated", "positive")}),
])
def test_defeat_denied_and_not_yet(
        extractor: Extractor, text: str, expected: set[tuple[str, str, Any, str]]) -> None:
    assert triples(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Fighting is ongoing in Bakhmut, the Ukrainian military said on Sunday.",
     {("Bakhmut", "fightingStatus", "ongoing", "positive")}),
    ("The ministry said clashes remain under way in Khartoum.",
     {("Khartoum", "fightingStatus", "ongoing", "positive")}),
    ("Fighting is no longer ongoing in Hajin, the SDF said.",
     {("hajin", "fightingStatus", "ongoing", "negative")}),
    ("There is heavy fighting in Bakhmut, a Ukrainian commander said.",
     {("Bakhmut", "fightingStatus", "ongoing", "positive")}),
    # a part of a place stands for the place
    ('"There were fierce clashes in the center of Mosul overnight," a police officer said.',
     {("Mosul", "fightingStatus", "ongoing", "positive")}),
    # no place in the sentence: the last one named before it
    ('Kurdish forces entered Kobani in October. "This is a bitter battle," a commander said.',
     {("Kobani", "fightingStatus", "ongoing", "positive")}),
    ('"The advance on Raqqa is going well," a coalition spokesman said.',
     {("Raqqa", "fightingStatus", "ongoing", "positive")}),
    # an advance under way, not one that is over
    ("Iraqi forces kept pushing into the old city of Mosul, the army said.",
     {("Mosul", "fightingStatus", "ongoing", "positive")}),
    ("The army is pressing on Raqqa from three sides, the coalition said.",
     {("Raqqa", "fightingStatus", "ongoing", "positive")}),
    ("The army advanced into Palmyra last week, the ministry said.", set()),
])
def test_fighting_going_on(
        extractor: Extractor, text: str, expected: set[tuple[str, str, Any, str]]) -> None:
    assert triples(extractor, text) == expected


# -- a count's event told by a clause on its verb (counts.json event_clauses) ---------------------
@pytest.mark.parametrize(("text", "prop", "value", "event"), [
    ("Seven people died and 12 were hurt when a bus collided with a truck near Aleppo, the "
     "health ministry said.", "killedCount", {"exact": 7.0},
     {"place": "Aleppo", "kind": "crash", "scope": "single"}),
    ("Seven people died and 12 were hurt when a bus collided with a truck near Aleppo, the "
     "health ministry said.", "woundedCount", {"exact": 12.0},
     {"place": "Aleppo", "kind": "crash", "scope": "single"}),
    ("At least 20 people were killed as a truck bomb exploded in Mogadishu, officials said.",
     "killedCount", {"min": 20.0, "min_inclusive": True},
     {"place": "Mogadishu", "kind": "explosion", "scope": "single"}),
    ("Police said four civilians were wounded after a roadside bomb exploded in Jalalabad.",
     "woundedCount", {"exact": 4.0},
     {"place": "Jalalabad", "kind": "explosion", "scope": "single"}),
    ("Five people were killed when militants attacked a checkpoint in Ghazni, an official "
     "said.", "killedCount", {"exact": 5.0},
     {"place": "Ghazni", "kind": "attack", "scope": "single"}),
])
def test_a_count_takes_its_event_from_a_when_clause(
        extractor: Extractor, text: str, prop: str, value: dict[str, Any],
        event: dict[str, Any]) -> None:
    [st] = extractor.extract(text)
    counts = [t for t in st.triples if t["property"] == prop]
    assert [(t["subject"], t["value"], t["event"]) for t in counts] == [("people", value, event)]


# -- counts written as limits, totals, noughts and phrasal verbs ------------------------------
@pytest.mark.parametrize(("text", "prop", "value"), [
    ("An army spokesman said the death toll from the shelling does not exceed 12.",
     "killedCount", {"max": 12.0, "max_inclusive": True}),
    ("Officials said the number of civilians killed in the offensive did not exceed 900.",
     "killedCount", {"max": 900.0, "max_inclusive": True}),
    ("The health office said the toll had exceeded 100 by Sunday.",
     "killedCount", {"min": 100.0, "min_inclusive": False}),
    ("The regional health office said the dead numbered at least 85 after the strike.",
     "killedCount", {"min": 85.0, "min_inclusive": True}),
    ("The ministry said no civilians were killed in the raid on the village.",
     "killedCount", {"exact": 0.0}),
    ("The hospital director said they had received at least 60 wounded from the market.",
     "woundedCount", {"min": 60.0, "min_inclusive": True}),
    ("The ministry said a total of 1,026 marines gave themselves up at the plant.",
     "surrenderedCount", {"exact": 1026.0}),
])
def test_counts_as_limits_totals_noughts_and_phrasal_verbs(
        extractor: Extractor, text: str, prop: str, value: dict[str, Any]) -> None:
    [(p, v, polarity)] = [(t["property"], t["value"], t["_polarity"])
                          for st in extractor.extract(text) for t in st.triples]
    assert (p, v, polarity) == (prop, value, "positive")


def test_a_count_of_flight_takes_its_place_from_the_object(extractor: Extractor) -> None:
    [st] = extractor.extract("The UN said more than 40,000 people had fled eastern Aleppo.")
    [t] = st.triples
    assert t["property"] == "fledCount" and t["event"]["place"] == "Aleppo"


# -- sites: places inside a place --------------------------------------------------------------
def statements_of(extractor: Extractor, text: str) -> set[tuple[str, str, Any]]:
    return {(t["subject"], t["property"], t["value"] if not isinstance(t["value"], dict)
             else tuple(sorted(t["value"].items())))
            for st in extractor.extract(text) for t in st.triples}


def test_a_site_is_named_by_its_capitalised_words_and_its_noun(extractor: Extractor) -> None:
    one = statements_of(extractor, "Russia said the Illich metallurgical plant had been "
                                   "completely cleared.")
    two = statements_of(extractor, '"Fighting continues inside the Illich plant," the '
                                   "spokesman said.")
    assert ("Illich plant", "controlStatus", "fully-controlled") in one
    assert ("Illich plant", "fightingStatus", "ongoing") in two


def test_an_unnamed_site_is_the_one_named_before(extractor: Extractor) -> None:
    text = ("The ministry said Russian forces had captured the trade port of Mariupol.\n\n"
            '"The port remains in our hands," a Ukrainian commander said.')
    found = statements_of(extractor, text)
    assert ("Mariupol port", "controlStatus", "fully-controlled") in found
    assert ("Mariupol port", "controlledBy", "Russian forces") in found


def test_fighting_on_a_bank_of_a_city(extractor: Extractor) -> None:
    assert statements_of(extractor, '"Fighting has not ended on the left bank of Mosul," the '
                                    "general said.") == {
        ("Mosul left bank", "fightingStatus", "ongoing")}  # not ended: it goes on


def test_the_fight_against_a_group_is_not_fighting_in_the_articles_place(
        extractor: Extractor) -> None:
    text = ('The general said Mosul was liberated. "The liberation of Mosul is a decisive blow, '
            'but the fight against ISIS in Iraq and Syria continues," he said.')
    assert not any(p == "fightingStatus" for _, p, _ in statements_of(extractor, text))


@pytest.mark.parametrize("text", [
    '"Tal Afar is completely free of Daesh," the general said.',
    "The ministry said Tal Afar was fully under the control of government forces.",
])
def test_free_of_and_fully_under_control(extractor: Extractor, text: str) -> None:
    assert ("Tal Afar", "controlStatus", "fully-controlled") in statements_of(extractor, text)


@pytest.mark.parametrize(("text", "subject"), [
    ("The command said government forces now control more than 90 percent of western Mosul.",
     "western Mosul"),
    ('In Mosul, the general said: "We hold about 70 percent of the western half of the city."',
     "western Mosul"),
    ("The army said it had captured North Waziristan.", "North Waziristan"),  # a name
])
def test_a_part_of_a_place_named_by_a_direction(
        extractor: Extractor, text: str, subject: str) -> None:
    assert {s for s, p, _ in statements_of(extractor, text) if p == "controlStatus"} == {subject}


def test_the_dead_numbered_with_the_figure_on_a_noun_after_it(extractor: Extractor) -> None:
    found = statements_of(extractor, "The councillor said the dead numbered at least 240, most "
                                     "of them women and children.")
    assert ("people", "killedCount", (("min", 240.0), ("min_inclusive", True))) in found


def test_a_count_in_a_place_whose_name_starts_with_a_direction(extractor: Extractor) -> None:
    [st] = extractor.extract("The UN said 40 people were killed in South Sudan on Monday.")
    [t] = st.triples
    assert t["event"]["place"] == "South Sudan"
