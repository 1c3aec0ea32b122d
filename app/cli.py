"""The command line: `claimgraph serve | load | detect`."""

from __future__ import annotations

import argparse
import logging
import sys
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

    from app.main import create_app

    settings = _settings(args)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    """Import TriG files of claims (validated, atomic per file, detection after each)."""
    from app.main import build_state

    state = build_state(_settings(args))
    try:
        for path in args.files:
            claims, result = state.service.import_dataset(Path(path))
            print(
                f"{path}: {len(claims)} claims, {len(result.new_contradictions)} new "
                f"contradictions, disputes {sorted(result.disputes) or '-'}"
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
    load.add_argument("--store")
    load.add_argument("--no-seed", action="store_true")
    load.set_defaults(func=cmd_load)

    detect = sub.add_parser("detect", help="re-run all rules over the store (repair)")
    detect.add_argument("--store")
    detect.add_argument("--no-seed", action="store_true")
    detect.set_defaults(func=cmd_detect)
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
