"""Open the interactive dashboard in the browser: pick a scenario, move the
parameters, step or play one Mesa run, and watch an ensemble of runs (with a
counterfactual) redrawn as you go.  Needs the viz extra
(pip install "resetsim[viz]"); then open the address it prints.
"""

from __future__ import annotations

import sys

from resetsim.app import server
from resetsim.cli.common import UsageError

NAME = "app"
HELP = 'interactive dashboard in the browser (pip install "resetsim[viz]")'


def add_arguments(p) -> None:
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    p.add_argument(
        "--port", type=int, default=8765, help="port to listen on (default 8765; 0: a free one)"
    )


def run(args) -> int:
    missing = server.missing_viz()
    if missing:
        print(
            f"error: resetsim app needs the viz extra ({missing}): {server.INSTALL_HINT}",
            file=sys.stderr,
        )
        return 2
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: must be between 0 and 65535")
    try:
        port = server.free_port(args.host, args.port)
    except OSError as exc:
        reason = exc.strerror or exc
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    server.serve(args.host, port)
    return 0
