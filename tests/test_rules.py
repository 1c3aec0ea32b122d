"""Contradiction rules on tiny fixtures, including the cases that must NOT conflict."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from rdflib import URIRef

from app.detect.service import ClaimService
from app.model.claims import ClaimIn
from app.model.vocab import CG, CONTRADICTION
from app.store import views
from tests.conftest import claim, st


def types_of(service: ClaimService, a: URIRef, b: URIRef) -> set[str]:
    """Contradiction types stored between two claims."""
    rows = service.store.select(
        "PREFIX cg: <https://w3id.org/claimgraph/ns#>\n"
        "SELECT ?t WHERE { ?k cg:claim ?a , ?b ; a ?t . FILTER(?t != cg:Contradiction) }",
        {"a": a, "b": b},
    )
    return {str(r["t"]).rsplit("#", 1)[-1] for r in rows}


def submit(service: ClaimService, *claims: object) -> list[URIRef]:
    return [service.submit(c).claim for c in claims]  # type: ignore[arg-type]


def test_value_conflict_between_two_sources(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sohr", [st("hajin", "fightingStatus", "ended")]),
        claim("sean-ryan", [st("hajin", "fightingStatus", "ongoing")]),
    )
    assert types_of(service, a, b) == {"ValueContradiction"}


def test_agreeing_sources_do_not_conflict(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sean-ryan", [st("hajin", "fightingStatus", "ongoing")]),
        claim("mustafa-bali", [st("Hajin", "fightingStatus", "fighting ongoing")]),
    )
    assert types_of(service, a, b) == set()


def test_same_speaker_is_not_a_conflict(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sohr", [st("hajin", "fightingStatus", "ended")]),
        claim("SOHR", [st("hajin", "fightingStatus", "ongoing")]),
    )
    assert types_of(service, a, b) == set()


def test_speakers_of_one_organisation_are_one_source(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("mustafa-bali", [st("hajin", "fightingStatus", "ended")]),
        claim("SDF officials", [st("hajin", "fightingStatus", "ongoing")]),
    )
    assert types_of(service, a, b) == set()


def test_relaying_outlet_is_never_a_party(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sohr", [st("hajin", "fightingStatus", "ended")], outlet="VOA"),
        claim("sean-ryan", [st("hajin", "fightingStatus", "ongoing")], outlet="Voice of America"),
    )
    assert types_of(service, a, b) == {"ValueContradiction"}
    (dispute,) = views.disputes(
        service.store, views.find_disputes(service.store, subject=None, source=None, type_=None, status=None)
    )
    assert {s["id"] for s in dispute["sources"]} == {"sohr", "sean-ryan"}
    voa = views.find_disputes(
        service.store, subject=None, source=URIRef("https://w3id.org/claimgraph/id/entity/voa"),
        type_=None, status=None,
    )
    assert voa == []


def test_wire_copies_of_one_statement_do_not_conflict(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sohr", [st("hajin", "fightingStatus", "ended")], outlet="voa"),
        claim("sohr", [st("hajin", "fightingStatus", "ended")], outlet="Reuters"),
    )
    assert types_of(service, a, b) == set()


def test_later_change_of_state_supersedes(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sohr", [st("hajin", "fightingStatus", "ongoing")],
              holds_from="2018-12-01", holds_until="2018-12-05"),
        claim("sean-ryan", [st("hajin", "fightingStatus", "ended")],
              holds_from="2018-12-14", holds_until="2018-12-14"),
    )
    assert types_of(service, a, b) == set()
    assert service.store.ask(
        "PREFIX cg: <https://w3id.org/claimgraph/ns#> ASK WHERE { ?b cg:supersedes ?a }",
        {"a": a, "b": b},
    )


def test_overlapping_times_still_conflict(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sohr", [st("hajin", "fightingStatus", "ongoing")],
              holds_from="2018-12-01", holds_until="2018-12-14"),
        claim("sean-ryan", [st("hajin", "fightingStatus", "ended")], holds_from="2018-12-10"),
    )
    assert types_of(service, a, b) == {"ValueContradiction"}


def test_graded_full_against_more_than_sixty_percent(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sohr", [st("hajin", "controlStatus", "fully-controlled"), st("hajin", "controlledBy", "SDF")]),
        claim("mustafa-bali", [
            st("hajin", "controlStatus", {"min": 60, "min_inclusive": False, "grade": "partly-controlled"}),
            st("hajin", "controlledBy", "Syrian Democratic Forces"),
        ]),
    )
    assert types_of(service, a, b) == {"GradedContradiction"}


def test_graded_partial_and_contested_agree(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sean-ryan", [st("hajin", "controlStatus", "contested")]),
        claim("mustafa-bali", [
            st("hajin", "controlStatus", {"min": 60, "min_inclusive": False, "grade": "partly-controlled"}),
        ]),
    )
    assert types_of(service, a, b) == set()


def test_graded_rival_holders_cannot_exceed_the_whole(service: ClaimService) -> None:
    a, b, c = submit(
        service,
        claim("sohr", [st("hajin", "controlStatus", "fully-controlled"), st("hajin", "controlledBy", "Daesh")]),
        claim("mustafa-bali", [
            st("hajin", "controlStatus", {"min": 60, "min_inclusive": False, "grade": "partly-controlled"}),
            st("hajin", "controlledBy", "SDF"),
        ]),
        claim("sean-ryan", [
            st("hajin", "controlStatus", {"min": 30, "max": 40, "grade": "partly-controlled"}),
            st("hajin", "controlledBy", "ISIS"),
        ]),
    )
    assert types_of(service, a, b) == {"GradedContradiction"}
    assert types_of(service, b, c) == set()  # SDF > 60 % and IS 30-40 % can both hold


def test_numeric_exact_counts_conflict(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sohr", [st("hajin", "killedCount", {"exact": 14})]),
        claim("sean-ryan", [st("hajin", "killedCount", {"exact": 68})]),
    )
    assert types_of(service, a, b) == {"NumericContradiction"}


def test_numeric_lower_bound_does_not_conflict(service: ClaimService) -> None:
    a, b, c = submit(
        service,
        claim("sohr", [st("hajin", "killedCount", {"min": 50})]),
        claim("sean-ryan", [st("hajin", "killedCount", {"exact": 92})]),
        claim("mustafa-bali", [st("hajin", "killedCount", {"min": 40, "max": 60})]),
    )
    assert types_of(service, a, b) == set()
    assert types_of(service, a, c) == set()
    assert types_of(service, b, c) == {"NumericContradiction"}


def test_negation(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sohr", [st("hajin", "controlStatus", "fully-controlled")]),
        claim("sean-ryan", [st("hajin", "controlStatus", "fully-controlled")], polarity="negative"),
    )
    assert types_of(service, a, b) == {"NegationContradiction"}


def test_denied_conjunction_is_not_contradicted_by_one_part(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sean-ryan", [st("hajin", "controlStatus", "fully-controlled"),
                            st("hajin", "controlledBy", "sdf")], polarity="negative"),
        claim("sohr", [st("hajin", "controlledBy", "sdf")]),
    )
    assert types_of(service, a, b) == set()


def test_hedged_claim_is_never_a_party(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sohr", [st("hajin", "fightingStatus", "ended")], certainty="possible"),
        claim("sean-ryan", [st("hajin", "fightingStatus", "ongoing")]),
    )
    assert types_of(service, a, b) == set()


def test_aliases_resolve_to_one_entity(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sohr", [st("Daesh", "defeatStatus", "defeated")]),
        claim("sean-ryan", [st("ISIS", "defeatStatus", "not-defeated")]),
    )
    assert types_of(service, a, b) == {"ValueContradiction"}


def test_redetection_creates_no_duplicates(service: ClaimService) -> None:
    _a, _b = submit(
        service,
        claim("sohr", [st("hajin", "killedCount", {"exact": 14})]),
        claim("sean-ryan", [st("hajin", "killedCount", {"exact": 68})]),
    )
    before = service.store.count()
    result = service.repair()
    assert result.new_contradictions == []
    assert service.store.count() == before
    rows = service.store.select(
        "PREFIX cg: <https://w3id.org/claimgraph/ns#> SELECT ?k WHERE { ?k a cg:Contradiction }"
    )
    assert len(rows) == 1
    assert str(rows[0]["k"]).startswith(str(CONTRADICTION))


def test_full_run_finds_what_incremental_finds(service: ClaimService) -> None:
    a, b = submit(
        service,
        claim("sohr", [st("hajin", "fightingStatus", "ended")]),
        claim("sean-ryan", [st("hajin", "fightingStatus", "ongoing")]),
    )
    found, _ = service.detector.find(None)
    assert {(f.claim_a, f.claim_b) for f in found} == {tuple(sorted((a, b), key=str))}


def test_disputes_merge_when_a_claim_bridges_them(service: ClaimService) -> None:
    _a, _b = submit(
        service,
        claim("sohr", [st("hajin", "killedCount", {"exact": 14})]),
        claim("sean-ryan", [st("hajin", "killedCount", {"exact": 68})]),
    )
    _c, _d = submit(
        service,
        claim("sohr", [st("sosa", "fightingStatus", "ended")]),
        claim("ekrem-salih", [st("sosa", "fightingStatus", "ongoing")]),
    )
    before = set(views.find_disputes(service.store, subject=None, source=None, type_=None, status=None))
    assert len(before) == 2
    (_e,) = submit(
        service,
        claim("mustafa-bali", [st("hajin", "killedCount", {"exact": 30}), st("sosa", "fightingStatus", "ended")]),
    )
    after = views.find_disputes(service.store, subject=None, source=None, type_=None, status=None)
    assert len(after) == 1 and after[0] in before
    merged = service.store.select(
        "PREFIX cg: <https://w3id.org/claimgraph/ns#> SELECT ?x ?y WHERE { ?x cg:mergedInto ?y }"
    )
    assert len(merged) == 1
    assert CG.mergedInto  # the merged dispute stays addressable through cg:mergedInto


@pytest.mark.parametrize(("x", "y", "conflict"), [
    (5, 1e21, True),            # past Oxigraph's decimal range: stored as xsd:double
    (5, 1e20, True),
    (1e21, 1e21, False),
    (0.5, 1e-30, True),         # finer than 18 fractional digits
    (123456789012345678, 123456789012345679, True),  # exact decimals at 1e17
    (0.1, 0.1, False),
])
def test_numeric_comparison_holds_at_any_magnitude(service: ClaimService, x: float, y: float,
                                                   conflict: bool) -> None:
    a, b = submit(
        service,
        claim("sohr", [st("hajin", "killedCount", {"exact": x})]),
        claim("sean-ryan", [st("hajin", "killedCount", {"exact": y})]),
    )
    assert types_of(service, a, b) == ({"NumericContradiction"} if conflict else set())


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_numbers_must_be_finite(raw: str) -> None:
    body = claim("sohr", [st("hajin", "killedCount", {"exact": 1})]).model_dump(
        mode="json", exclude_none=True)
    body["statements"][0]["value"] = "@value@"
    text = json.dumps(body).replace('"@value@"', f'{{"exact": {raw}}}')
    with pytest.raises(ValidationError, match="finite"):
        ClaimIn.model_validate(json.loads(text))
