"""Domain types of the review workflow: roles, states, verdicts, ratings and their errors."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, ClassVar

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from rdflib import Namespace, URIRef

from app.model.errors import DomainError
from app.model.iri import to_iri
from app.model.vocab import CGV, ID

REVIEW = Namespace(ID + "review/")
"""Review actions: ``review/<dispute id>/<version>``; verdicts, ratings and ClaimReviews are
fragments of their action's IRI."""
REVIEWER = Namespace(ID + "reviewer/")
"""Reviewers (token holders), by token name."""


# (str, Enum) rather than StrEnum, as in app.model.claims.
class Role(str, Enum):  # noqa: UP042
    """What a token may do. Admin may do everything."""

    reviewer = "reviewer"
    editor = "editor"
    admin = "admin"


@dataclass(frozen=True)
class Reviewer:
    """The holder of a verified token."""

    name: str
    role: Role
    iri: URIRef

    def may(self, role: Role) -> bool:
        """True when this holder may act in ``role`` (admin may act in every role)."""
        return self.role is role or self.role is Role.admin


class Status(str, Enum):  # noqa: UP042
    """A dispute's review state."""

    open = "open"
    in_review = "in-review"
    resolved = "resolved"
    dismissed = "dismissed"

    @property
    def iri(self) -> URIRef:
        """The SKOS concept of this state."""
        return _STATUS_IRIS[self]

    @classmethod
    def from_iri(cls, iri: str) -> Status:
        """The state named by its concept IRI."""
        return {str(v): k for k, v in _STATUS_IRIS.items()}[iri]


_STATUS_IRIS = {
    Status.open: CGV.Open, Status.in_review: CGV.InReview,
    Status.resolved: CGV.Resolved, Status.dismissed: CGV.Dismissed,
}

TRANSITIONS: dict[Status, frozenset[Status]] = {
    # open → resolved is a one-step verdict: one action, from open to resolved, for the
    # reviewer who checks a dispute and decides it in one sitting
    Status.open: frozenset({Status.in_review, Status.resolved, Status.dismissed}),
    Status.in_review: frozenset({Status.resolved, Status.dismissed, Status.open}),
    # resolved → resolved is a revised verdict, which supersedes (and keeps) the earlier one
    Status.resolved: frozenset({Status.resolved, Status.in_review}),
    Status.dismissed: frozenset({Status.open}),
}
"""Allowed moves. A verdict is required to reach ``resolved`` and allowed when dismissing."""


class Outcome(str, Enum):  # noqa: UP042
    """What the evidence says about a dispute."""

    supports_a = "supports-a"
    supports_b = "supports-b"
    both_partly = "both-partly"
    neither = "neither"
    differs_in_time = "differs-in-time"
    differs_in_scope = "differs-in-scope"
    mistranslation = "mistranslation"
    unverifiable = "unverifiable"

    @property
    def iri(self) -> URIRef:
        """The SKOS concept of this outcome (ontology/claimgraph.ttl, review section)."""
        return CGV[_OUTCOME_NAMES[self]]

    @classmethod
    def from_iri(cls, iri: str) -> Outcome:
        """The outcome named by its concept IRI."""
        return {str(CGV[v]): k for k, v in _OUTCOME_NAMES.items()}[iri]


_OUTCOME_NAMES = {
    Outcome.supports_a: "SupportsSideA", Outcome.supports_b: "SupportsSideB",
    Outcome.both_partly: "BothPartly", Outcome.neither: "Neither",
    Outcome.differs_in_time: "DiffersInTime", Outcome.differs_in_scope: "DiffersInScope",
    Outcome.mistranslation: "Mistranslation", Outcome.unverifiable: "Unverifiable",
}


class Rating(str, Enum):  # noqa: UP042
    """A claim's rating on the ClaimReview-style scale 1 (false) … 5 (true)."""

    false = "false"
    mostly_false = "mostly-false"
    mixed = "mixed"
    mostly_true = "mostly-true"
    true = "true"
    unverifiable = "unverifiable"

    @property
    def value_number(self) -> int | None:
        """``schema:ratingValue``; None for unverifiable (which has only a label)."""
        return _RATING_VALUES[self]

    @property
    def label(self) -> str:
        """``schema:alternateName``."""
        return _RATING_LABELS[self]

    @classmethod
    def from_label(cls, label: str) -> Rating:
        """The rating with this ``alternateName``."""
        return {v: k for k, v in _RATING_LABELS.items()}[label]


WORST_RATING = 1
BEST_RATING = 5
_RATING_VALUES: dict[Rating, int | None] = {
    Rating.false: 1, Rating.mostly_false: 2, Rating.mixed: 3, Rating.mostly_true: 4,
    Rating.true: 5, Rating.unverifiable: None,
}
_RATING_LABELS = {
    Rating.false: "False", Rating.mostly_false: "Mostly false", Rating.mixed: "Mixed",
    Rating.mostly_true: "Mostly true", Rating.true: "True", Rating.unverifiable: "Unverifiable",
}


_NOT_WORD = re.compile(r"[\W_]+")


def normalise_claim_text(text: str) -> str:
    """The form claim texts are compared in: Unicode NFKC, case-folded, every run of
    punctuation, quotes and spaces one space, trimmed. ``"The  Earth is (flat)."`` →
    ``"the earth is flat"``."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NOT_WORD.sub(" ", folded).strip()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimRatingIn(_Strict):
    """One claim's rating: `{"claim": "voa-hajin-sohr-1", "rating": "mostly-false"}`."""

    claim: Annotated[str, Field(min_length=1, max_length=300, description="Claim id")]
    rating: Rating


def _evidence_iri(url: AnyHttpUrl) -> str:
    return to_iri(str(url))


# pydantic's URL type keeps what WHATWG allows in a path or query (`|`, `^`, `{}`, `[]`,
# stray `%`) but no IRI does; to_iri encodes those, so the value is the IRI as a str.
EvidenceUrl = Annotated[AnyHttpUrl, AfterValidator(_evidence_iri)]


class VerdictIn(_Strict):
    """What the evidence shows. Sides A and B are listed with each dispute (``review.sides``)."""

    outcome: Outcome
    rationale: Annotated[str, Field(min_length=1, max_length=10_000)]
    evidence: Annotated[list[EvidenceUrl], Field(max_length=50)] = []
    ratings: Annotated[list[ClaimRatingIn], Field(min_length=1, max_length=100)]

    @field_validator("rationale")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the rationale must not be blank")
        return v.strip()

    @model_validator(mode="after")
    def _one_rating_per_claim(self) -> VerdictIn:
        claims = [r.claim for r in self.ratings]
        if len(set(claims)) != len(claims):
            raise ValueError("rate each claim once")
        return self


class ReviewIn(_Strict):
    """One review action: move the dispute to ``status``, with a verdict when resolving.

    ``version`` is the dispute's version as last read (the ETag without quotes); it is needed
    when the request carries no If-Match header (HTML forms)."""

    status: Status
    verdict: VerdictIn | None = None
    note: Annotated[str | None, Field(max_length=10_000)] = None
    version: Annotated[int | None, Field(ge=0)] = None

    @model_validator(mode="after")
    def _verdict_fits(self) -> ReviewIn:
        if self.status is Status.resolved and self.verdict is None:
            raise ValueError("resolving a dispute needs a verdict")
        if self.verdict is not None and self.status not in (Status.resolved, Status.dismissed):
            raise ValueError("a verdict resolves or dismisses a dispute; "
                             f"it cannot come with status {self.status.value!r}")
        return self


# -- errors -------------------------------------------------------------------------------
class Unauthorized(DomainError):
    """No token, or a token claimgraph does not know."""

    status_code = 401
    code = "unauthorized"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="claimgraph"'}


class StaleVersion(DomainError):
    """The dispute changed since the client read it (a concurrent review won)."""

    status_code = 409
    code = "stale_version"


class InvalidTransition(DomainError):
    """The dispute's state does not allow this move."""

    status_code = 409
    code = "invalid_transition"


class VersionRequired(DomainError):
    """A review must say which version of the dispute it was made on."""

    status_code = 428
    code = "precondition_required"


class TokenNameTaken(DomainError):
    """A token with this name exists already."""

    status_code = 409
    code = "conflict"
