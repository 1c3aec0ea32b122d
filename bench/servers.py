"""Servers the benchmarks start on loopback: a free port, a process run until its URL
answers, and a clean stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait(url: str, params: dict[str, str] | None, proc: subprocess.Popen[bytes],
          timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, params=params, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout_s:g} s")


@contextmanager
def running(args: list[str], url: str, *, env: dict[str, str] | None = None,
            params: dict[str, str] | None = None, output: IO[bytes] | None = None,
            cwd: Path | None = None, start_timeout_s: float = 120,
            stop_timeout_s: float = 20) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``args`` until the block ends, once ``url`` answers 200 (RuntimeError if the
    process exits first or ``start_timeout_s`` passes). The process's output goes to
    ``output`` (discarded if None). At the end: SIGTERM, then SIGKILL after
    ``stop_timeout_s``, said on stderr."""
    sink = output if output is not None else subprocess.DEVNULL
    proc = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdout=sink,
                            stderr=subprocess.STDOUT if output is not None else sink, cwd=cwd)
    try:
        _wait(url, params, proc, start_timeout_s)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=stop_timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            print(f"{args[0]} did not stop within {stop_timeout_s:g} s of SIGTERM and was "
                  "killed", file=sys.stderr)
