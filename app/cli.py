"""The command line: `claimgraph serve | load | detect | token`."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.config import Settings
from app.model.errors import DomainError


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "store", None):
        overrides["store"] = args.store
    if getattr(args, "no_seed", False):
        overrides["seed"] = False
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None):
        overrides["port"] = args.port
    return Settings(**overrides)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the API and SPARQL endpoint with uvicorn."""
    import uvicorn

    from app.ingest import nlp
    from app.main import create_app

    settings = _settings(args)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    nlp.load(settings.nlp_model)  # a missing model stops start-up with a message, not later
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    return 0


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def cmd_load(args: argparse.Namespace) -> int:
    """Import TriG files of claims: validated and written in batches of ``--batch`` claims
    (each batch atomic, then detected), with a progress bar of claims/s and the time left."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    from app.main import build_state
    from app.store.loader import read_quads, split_dataset

    state = build_state(_settings(args))
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TaskProgressColumn(), TextColumn("{task.fields[rate]} claims/s"),
               TimeRemainingColumn())
    try:
        for path in args.files:
            batches = split_dataset(read_quads(Path(path)), args.batch)
            total = sum(n for n, _ in batches)
            contradictions = 0
            disputes: set[str] = set()
            started = time.perf_counter()
            with Progress(*columns, console=console) as progress:
                task = progress.add_task(Path(path).name[-30:], total=total, rate="-")
                done = 0
                for number, (count, quads) in enumerate(batches, 1):
                    try:
                        _, result = state.service.import_quads(quads)
                    except DomainError as exc:
                        # earlier batches are stored; this one wrote nothing
                        exc.message = (f"{path}: batch {number} of {len(batches)} refused "
                                       f"({done} claims stored before it): {exc.message}")
                        raise
                    contradictions += len(result.new_contradictions)
                    disputes |= result.disputes
                    done += count
                    rate = done / max(time.perf_counter() - started, 1e-9)
                    progress.update(task, advance=count, rate=f"{rate:,.0f}")
            print(
                f"{path}: {total} claims in {len(batches)} batches, {contradictions} new "
                f"contradictions, {len(disputes)} disputes joined"
            )
    finally:
        state.store.close()
    return 0


def cmd_detect(args: argparse.Namespace) -> int:
    """Re-run every rule over the whole store (repair)."""
    from app.main import build_state

    state = build_state(_settings(args))
    try:
        result = state.service.repair()
        print(
            f"{len(result.new_contradictions)} new contradictions, "
            f"{len(result.new_disputes)} new disputes, {len(result.merged)} merged"
        )
    finally:
        state.store.close()
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    """Create a token (printed once, as the last word) or list tokens (never the tokens)."""
    from app.model.reviews import Role
    from app.store.tokens import TokenStore

    settings = _settings(args)
    path = settings.tokens_file
    if path is None:
        print("claimgraph: tokens of the in-memory store would vanish at exit; give --store "
              "PATH", file=sys.stderr)
        return 2
    tokens = TokenStore(path)
    try:
        if args.action == "create":
            token = tokens.create(args.name, Role(args.role))
            print(f"created {args.role} token {args.name!r} in {path}; it is shown only "
                  f"once: {token}")
        else:
            for record in tokens.records():
                print(f"{record.name}\t{record.role.value}\t{record.created}")
    finally:
        tokens.close()
    return 0


def cmd_import_claimreview(args: argparse.Namespace) -> int:
    """Load fact-checkers' ClaimReviews (JSON-LD files, or HTML pages that embed them) as
    reference data, each in its own named graph. Every file is checked before anything is
    written; an unreadable or invalid one stops the import (exit code 2, nothing stored)."""
    from app.main import build_state
    from app.review.claimreview import import_reviews, read_reviews

    reviews = read_reviews([Path(p) for p in args.paths])
    state = build_state(_settings(args))
    try:
        import_reviews(state.store, reviews)
    finally:
        state.store.close()
    sources = {r.source for r in reviews}
    print(f"{len(reviews)} ClaimReviews imported from {len(sources)} files")
    for review in reviews:
        print(f"  {review.claim_reviewed[:70]!r} -> {review.graph}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest article files or folders (.txt, .html, .json) with a progress bar and a summary."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from app.ingest import nlp
    from app.ingest.files import Summary, collect, ingest_file
    from app.ingest.service import IngestService
    from app.main import build_state

    files = collect(Path(p) for p in args.paths)
    settings = _settings(args)
    nlp.check_model(settings.nlp_model)
    state = build_state(settings)
    summary = Summary()
    console = Console(stderr=True)
    try:
        service = IngestService(state.service, nlp_model=state.settings.nlp_model)
        columns = (TextColumn("ingest"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[name]}"))
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("ingest", total=len(files), name="")
            for path in files:
                progress.update(task, name=path.name[-40:])
                result = ingest_file(service, path, args.outlet)
                if result.status == "skipped":
                    summary.skipped.append((str(path), result.reason or "skipped"))
                else:
                    summary.add(result)
                progress.advance(task)
    finally:
        state.store.close()
    print(
        f"{summary.articles} articles ingested ({summary.unchanged} unchanged), "
        f"{summary.claims} new claims, {summary.new_contradictions} new contradictions, "
        f"{len(summary.new_disputes)} new disputes; disputes joined: "
        f"{', '.join(sorted(summary.disputes)) or '-'}"
    )
    for name, reason in summary.skipped:
        print(f"skipped {name}: {reason}")
    return 1 if summary.skipped and not (summary.articles or summary.unchanged) else 0


def parser() -> argparse.ArgumentParser:
    """The argument parser."""
    root = argparse.ArgumentParser(prog="claimgraph", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", help="interface (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8000)")
    serve.add_argument("--store", help="store directory (created and seeded if new) or 'memory'")
    serve.add_argument("--no-seed", action="store_true", help="start with an empty store")
    serve.set_defaults(func=cmd_serve)

    load = sub.add_parser("load", help="import TriG files of claims")
    load.add_argument("files", nargs="+")
    load.add_argument("--batch", type=_positive, default=1000,
                      help="claims validated and written together (each batch is atomic)")
    load.add_argument("--store")
    load.add_argument("--no-seed", action="store_true")
    load.set_defaults(func=cmd_load)

    detect = sub.add_parser("detect", help="re-run all rules over the store (repair)")
    detect.add_argument("--store")
    detect.add_argument("--no-seed", action="store_true")
    detect.set_defaults(func=cmd_detect)

    token = sub.add_parser("token", help="API tokens: create one, or list them")
    token_sub = token.add_subparsers(dest="action", required=True)
    create = token_sub.add_parser("create", help="create a token and print it once")
    create.add_argument("--name", required=True, help="who holds it (letters, digits, . _ -)")
    create.add_argument("--role", required=True, choices=["reviewer", "editor", "admin"])
    create.add_argument("--store", help="the store the token is for (default: the setting)")
    create.set_defaults(func=cmd_token)
    listing = token_sub.add_parser("list", help="names, roles and dates (never the tokens)")
    listing.add_argument("--store", help="the store the tokens are for")
    listing.set_defaults(func=cmd_token)

    claimreview = sub.add_parser(
        "import-claimreview",
        help="load fact-checkers' ClaimReview JSON-LD (files or folders) as reference data",
    )
    claimreview.add_argument(
        "paths", nargs="+", metavar="FILE|DIR",
        help=".json/.jsonld files (a document, a list or an @graph) or .html pages with "
        "<script type=\"application/ld+json\"> blocks; folders are searched for them",
    )
    claimreview.add_argument("--store", help="store directory (default: the setting)")
    claimreview.add_argument("--no-seed", action="store_true", help="do not seed a new store")
    claimreview.set_defaults(func=cmd_import_claimreview)

    ingest = sub.add_parser("ingest", help="extract claims from article files (.txt, .html, .json)")
    ingest.add_argument("paths", nargs="+", help="files or folders of articles")
    ingest.add_argument("--store", help="store directory or 'memory' (default: the setting)")
    ingest.add_argument("--outlet", help="outlet of files that do not name one (default 'unknown')")
    ingest.add_argument("--no-seed", action="store_true", help="do not seed a new store")
    ingest.set_defaults(func=cmd_ingest)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `claimgraph` console script."""
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except DomainError as exc:
        print(f"claimgraph: {exc.message}", file=sys.stderr)
        return 2
