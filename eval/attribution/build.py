"""Build the attribution gold passages from passages.src and check every span.

    python eval/attribution/build.py          # write passages/*.json, check, summarise
    python eval/attribution/build.py --show   # also print text[start:end] of every span
    python eval/attribution/build.py --check  # only verify passages/*.json are up to date

Markup in passages.src (see README.md): a passage starts with "## id | topic | date"; each
following non-empty line is one paragraph; "{sN|...}" marks the source, "{vN|...}" the cue and
"{cN|...}" a content span of attribution N (marks nest); "@N key=value; ..." gives its fields.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE / "passages.src"
OUT = HERE / "passages"
NOTE = "synthetic, written for claimgraph; not copied from any outlet"
HEAD = re.compile(r"## (\d\d-[a-z0-9-]+) \| ([a-z-]+) \| (\d{4}-\d\d-\d\d)")
OPEN = re.compile(r"\{([svc])(\d+)\|")
META = re.compile(r"@(\d+) (.+)")
KEYS = {
    "speaker": "speaker",
    "org": "organisation",
    "relay": "relay",
    "kind": "kind",
    "cert": "certainty",
}
OPEN_Q = ('"', "\u201c", "''")
CLOSE_Q = ('"', "\u201d", "''")
ANY_Q = ('"', "\u201c", "\u201d", "''")
Span = tuple[int, int]


class GoldError(Exception):
    pass


def unmark(marked: str) -> tuple[str, dict[tuple[str, int], list[Span]]]:
    """Strip the markup; return the plain text and the spans per (role, attribution id)."""
    out: list[str] = []
    stack: list[tuple[str, int, int]] = []
    spans: dict[tuple[str, int], list[Span]] = {}
    i = 0
    while i < len(marked):
        if m := OPEN.match(marked, i):
            stack.append((m[1], int(m[2]), len(out)))
            i = m.end()
            continue
        if marked[i] == "}":
            if not stack:
                raise GoldError(f"unbalanced '}}' near {marked[max(0, i - 40) : i]!r}")
            role, n, start = stack.pop()
            spans.setdefault((role, n), []).append((start, len(out)))
        elif marked[i] in "{|":
            raise GoldError(f"stray {marked[i]!r} near {marked[max(0, i - 40) : i]!r}")
        else:
            out.append(marked[i])
        i += 1
    if stack:
        raise GoldError(f"unclosed mark {stack[-1][:2]}")
    return "".join(out), spans


def check_span(text: str, span: Span, what: str) -> None:
    start, end = span
    piece = text[start:end]
    if not 0 <= start < end <= len(text):
        raise GoldError(f"{what}: empty or outside text {span}")
    if piece != piece.strip() or "\n" in piece:
        raise GoldError(f"{what}: whitespace at an edge or a paragraph break in {piece!r}")
    if piece[-1] in ",;:" or (what != "content" and piece[-1] == "."):
        raise GoldError(f"{what}: ends with punctuation {piece!r}")


def check_kind(text: str, content: list[Span], kind: str) -> None:
    pieces = [text[s:e] for s, e in content]
    quoted = any(q in p for p in pieces for q in ANY_Q)
    if kind == "direct":
        if not all(p.startswith(OPEN_Q) for p in pieces) or not pieces[-1].endswith(CLOSE_Q):
            raise GoldError(f"direct content must be quoted: {pieces}")
    elif kind == "indirect" and quoted:
        raise GoldError(f"indirect content holds a quote mark (use mixed): {pieces}")
    elif kind == "mixed" and not quoted:
        raise GoldError(f"mixed content holds no quote mark: {pieces}")
    if kind != "direct" and pieces[-1].endswith(".") and not pieces[-1][-3:-1].isupper():
        raise GoldError(f"final full stop inside indirect content: {pieces[-1]!r}")


def attribution(
    text: str, spans: dict[tuple[str, int], list[Span]], n: int, meta: dict[str, str]
) -> dict[str, Any]:
    source, cue, content = (sorted(spans.get((r, n), [])) for r in "svc")
    if len(source) > 1 or len(cue) != 1 or not content:
        raise GoldError(f"needs <=1 source, 1 cue, >=1 content: {source} {cue} {content}")
    roles = [("source", s) for s in source] + [("cue", cue[0])] + [("content", c) for c in content]
    for what, span in roles:
        check_span(text, span, what)
    ordered = sorted(span for _, span in roles)
    if any(a[1] > b[0] for a, b in pairwise(ordered)):
        raise GoldError(f"source/cue/content overlap: {ordered}")
    fields = {KEYS[k]: v for k, v in meta.items()}
    if (fields.get("speaker") is None) != (not source):
        raise GoldError("speaker must be given exactly when there is a source")
    if fields.get("kind") not in {"direct", "indirect", "mixed"}:
        raise GoldError(f"bad kind {fields.get('kind')!r}")
    fields.setdefault("certainty", "certain")
    if fields["certainty"] not in {"certain", "probable"}:
        raise GoldError(f"bad certainty {fields['certainty']!r}")
    check_kind(text, content, fields["kind"])
    return {
        "source": list(source[0]) if source else None,
        "cue": list(cue[0]),
        "content": [list(c) for c in content],
        "speaker": fields.get("speaker"),
        "organisation": fields.get("organisation"),
        "relay": fields.get("relay"),
        "kind": fields["kind"],
        "certainty": fields["certainty"],
    }


def passage(head: re.Match[str], lines: list[str]) -> dict[str, Any]:
    paragraphs = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("@")]
    text, spans = unmark("\n\n".join(paragraphs))
    if not 2 <= len(paragraphs) <= 6 or not 400 <= len(text) <= 1500:
        raise GoldError(f"{len(paragraphs)} paragraphs, {len(text)} characters")
    metas: dict[int, dict[str, str]] = {}
    for ln in lines:
        if m := META.fullmatch(ln.strip()):
            pairs = [p.split("=", 1) for p in m[2].split("; ")]
            if any(len(p) != 2 or p[0] not in KEYS for p in pairs):
                raise GoldError(f"bad field line {ln!r}")
            metas[int(m[1])] = {k: v for k, v in pairs}
    if metas.keys() != {n for _, n in spans}:
        raise GoldError(f"marked ids {sorted({n for _, n in spans})} != fields {sorted(metas)}")
    atts = []
    for n in sorted(metas):
        try:
            atts.append(attribution(text, spans, n, metas[n]))
        except GoldError as err:
            raise GoldError(f"attribution {n}: {err}") from None
    cues = [tuple(a["cue"]) for a in atts]
    if len(set(cues)) != len(cues):
        raise GoldError("two attributions share a cue")
    atts.sort(key=lambda a: a["cue"][0])
    return {
        "id": head[1],
        "topic": head[2],
        "published": head[3],
        "note": NOTE,
        "text": text,
        "attributions": atts,
    }


def build() -> list[dict[str, Any]]:
    blocks: list[tuple[re.Match[str], list[str]]] = []
    for ln in SRC.read_text(encoding="utf-8").splitlines():
        if ln.startswith("## "):
            if not (m := HEAD.fullmatch(ln.strip())):
                raise GoldError(f"bad header {ln!r}")
            blocks.append((m, []))
        elif blocks and not ln.startswith("#"):
            blocks[-1][1].append(ln)
    out = []
    for head, lines in blocks:
        try:
            out.append(passage(head, lines))
        except GoldError as err:
            raise GoldError(f"{head[1]}: {err}") from None
    ids = [p["id"] for p in out]
    numbers = [f"{k:02d}" for k in range(1, 1 + len(ids))]
    if len(set(ids)) != len(ids) or [i[:2] for i in ids] != numbers:
        raise GoldError("ids must be unique and numbered 01, 02, ... in order")
    return out


def dump(p: dict[str, Any]) -> str:
    return json.dumps(p, ensure_ascii=False, indent=1) + "\n"


def show(p: dict[str, Any]) -> None:
    text = p["text"]
    print(f"== {p['id']}")
    for a in p["attributions"]:
        src = text[slice(*a["source"])] if a["source"] else None
        body = " + ".join(repr(text[s:e]) for s, e in a["content"])
        print(f"  [{a['kind']}/{a['certainty']}] S={src!r} V={text[slice(*a['cue'])]!r} C={body}")
        print(f"      speaker={a['speaker']!r} org={a['organisation']!r} relay={a['relay']!r}")


def main(argv: list[str]) -> int:
    try:
        passages = build()
    except GoldError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    files = {f"{p['id']}.json": dump(p) for p in passages}
    if "--check" in argv:
        on_disk = {f.name: f.read_text(encoding="utf-8") for f in OUT.glob("*.json")}
        if on_disk != files:
            print("error: passages/*.json out of date; run build.py", file=sys.stderr)
            return 1
    else:
        OUT.mkdir(exist_ok=True)
        for stale in OUT.glob("*.json"):
            if stale.name not in files:
                stale.unlink()
        for name, body in files.items():
            (OUT / name).write_text(body, encoding="utf-8")
    if "--show" in argv:
        for p in passages:
            show(p)
    atts = [a for p in passages for a in p["attributions"]]
    cues = Counter(p["text"][slice(*a["cue"])].lower() for p in passages for a in p["attributions"])
    print(
        f"{len(passages)} passages, {len(atts)} attributions, topics:",
        dict(Counter(p["topic"] for p in passages)),
    )
    print(
        "kinds:",
        dict(Counter(a["kind"] for a in atts)),
        "certainty:",
        dict(Counter(a["certainty"] for a in atts)),
    )
    print("cues:", dict(cues.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
