"""``idgraph serve`` as a process of its own, for tests and benchmarks: a free loopback port,
waited for until it answers, stopped with SIGINT (as Ctrl-C) at the end of the block."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Served", "serving"]


@dataclass
class Served:
    """A running ``idgraph serve``: its base URL; ``err`` (its log) once it has stopped."""

    base: str
    proc: subprocess.Popen[str]
    err: str = ""


@contextmanager
def serving(store: str | Path, env: dict[str, str] | None = None, *, timeout: float = 90.0) -> Iterator[Served]:
    """``idgraph serve`` over ``store`` (a path or a bolt URI) on a free 127.0.0.1 port, with
    ``env`` added to the environment; waits up to ``timeout`` seconds for ``/v1/health``."""
    import httpx2

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    cmd = [sys.executable, "-m", "identity_graph.cli.main", "--store", str(store), "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    served = Served(f"http://127.0.0.1:{port}", proc)
    try:
        deadline = time.monotonic() + timeout
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                if httpx2.get(f"{served.base}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert time.monotonic() < deadline, f"idgraph serve did not answer within {timeout:.0f} s"
            time.sleep(0.2)
        yield served
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, served.err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, served.err = proc.communicate()
