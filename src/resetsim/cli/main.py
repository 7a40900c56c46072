"""The ``resetsim`` command: parses, loads, runs, writes.  Nothing else.

Each sub-command lives in :mod:`resetsim.cli` as a module with ``NAME``,
``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``, listed in
:data:`COMMANDS` in the order ``--help`` shows them.  Bad input ends with a
clear message and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import errno
import gc
import importlib
import os
import sys

from resetsim.cli.common import UsageError
from resetsim.core import pool
from resetsim.core.config import ScenarioError
from resetsim.core.io import OutputError, OutputExists, Stopped, stop_on_signals
from resetsim.core.names import did_you_mean
from resetsim.core.provenance import __version__

#: The sub-commands (each a module of :mod:`resetsim.cli`), in ``--help`` order.
COMMANDS: tuple[str, ...] = (
    "run",
    "compare",
    "validate",
    "events",
    "sweep",
    "calibrate",
    "assess",
    "select",
    "params",
    "kinds",
    "scenarios",
    "init",
    "app",
    "report",
)


#: The commands that run chunks on local worker processes started from the
#: pool's fork server (:mod:`resetsim.core.pool`).
POOL_COMMANDS: tuple[str, ...] = ("sweep",)


def local_workers(words: list[str]) -> bool:
    """Whether a command line asks for local worker processes: a command of
    :data:`POOL_COMMANDS`, neither ``--scheduler`` nor ``--workers 1``, and
    more than one core unless ``--workers`` says how many.  Read from the
    words alone, before the command's modules are imported; the command
    still checks its options itself."""
    command = next((w for w in words if not w.startswith("-")), None)
    if command not in POOL_COMMANDS or any(w in ("-h", "--help") for w in words):
        return False
    workers = None
    for i, w in enumerate(words):
        if w == "--scheduler" or w.startswith("--scheduler="):
            return False
        if w == "--workers" and i + 1 < len(words):
            workers = words[i + 1]
        elif w.startswith("--workers="):
            workers = w.partition("=")[2]
    if workers is None:
        return pool.cores() > 1
    return workers.isdigit() and int(workers) > 1


def _command_modules(only: str | None = None):
    names = (only,) if only in COMMANDS else COMMANDS
    return [importlib.import_module(f"resetsim.cli.{name}") for name in names]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every sub-command, or of ``only`` that one (a command line
    that names its command imports no other command's modules: some load
    heavy libraries)."""
    parser = argparse.ArgumentParser(
        prog="resetsim",
        description="Simulate the US-Russia reset -> failure loop (Liu Ying, 2021).",
    )
    parser.add_argument("--version", action="version", version=f"resetsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for mod in _command_modules(only):
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.__doc__)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run, _parser=p)
    return parser


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line; an argument the sub-command does not know is
    reported by that sub-command (its usage line, not the top-level one)."""
    words = sys.argv[1:] if argv is None else list(argv)
    command = next((w for w in words if not w.startswith("-")), None)
    parser = build_parser(command)
    if command is not None and command not in COMMANDS:
        parser.error(
            f"unknown command {command!r}{did_you_mean(command, COMMANDS)}; "
            f"the commands are {', '.join(COMMANDS)} (see `resetsim --help`)"
        )
    args, extra = parser.parse_known_args(words)
    if extra:
        unknown = [a for a in extra if a.startswith("-")] or extra
        options = [o for action in args._parser._actions for o in action.option_strings]
        hint = did_you_mean(unknown[0].split("=")[0], options) if len(unknown) == 1 else ""
        args._parser.error(
            f"unrecognized arguments: {' '.join(unknown)}{hint} "
            f"(see `resetsim {args.command} --help`)"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    _no_collection_at_exit()
    words = sys.argv[1:] if argv is None else list(argv)
    if local_workers(words):
        # the fork server loads and warms what the workers need (about a
        # second) while this process imports the command and reads its input
        pool.start_server()
    args = parse(words)
    try:
        with stop_on_signals():
            return int(args._run(args) or 0)
    except ScenarioError as exc:
        n = len(exc.problems)
        print(f"error: {n} problem{'s' if n != 1 else ''} found, nothing was run:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except (OutputExists, OutputError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was left behind", file=sys.stderr)
        return 130
    except Stopped as exc:  # SIGTERM or SIGHUP: the staging folders are gone
        print(f"stopped by {exc}; nothing half-written was left behind", file=sys.stderr)
        return 128 + exc.signum
    except BrokenPipeError:
        return _broken_pipe()
    except OSError as exc:  # disk full, permissions, a file system gone away ...
        print(f"error: {system_error(exc)}", file=sys.stderr)
        return 2
    except MemoryError:
        print(
            "error: not enough memory for this request; ask for fewer runs "
            "(--runs) or a shorter period",
            file=sys.stderr,
        )
        return 2
    except RecursionError:
        print("error: an input is nested too deeply to be read", file=sys.stderr)
        return 2


_AT_EXIT: list[bool] = []


def _no_collection_at_exit() -> None:
    """When the process ends, skip the interpreter's last garbage collections
    over everything a command loaded (a fifth of a second after a sweep, with
    pandas, pyarrow and matplotlib loaded): ``gc.freeze`` at exit.  Every
    result is written and closed before a command returns; only exit changes."""
    if not _AT_EXIT:
        _AT_EXIT.append(True)
        atexit.register(gc.freeze)


def system_error(exc: OSError) -> str:
    """One line for an operating-system error: what failed, where, and what to do."""
    reason = exc.strerror or type(exc).__name__
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"no space left on the device{where}; nothing half-written was left behind"
    if exc.errno == errno.EDQUOT:
        return f"disk quota exceeded{where}; nothing half-written was left behind"
    return f"{reason}{where}"


def _broken_pipe() -> int:
    # the reader went away (`resetsim params | head`): stop quietly, and point
    # stdout at /dev/null so the flush at exit does not raise again
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no descriptor
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
