"""What every sub-command shares: the usage error and ``--set NAME=VALUE`` parsing."""

from __future__ import annotations

from resetsim.core.io import parse_formats
from resetsim.core.request import DEFAULT_ENGINE, ENGINES, request_problems


class UsageError(Exception):
    """A command-line value is wrong (exit status 2)."""


def add_figure_formats(p) -> None:
    """The ``--figure-formats`` option of run, compare and sweep."""
    p.add_argument(
        "--figure-formats",
        metavar="LIST",
        default="png",
        help="figure formats, comma-separated, from png, svg, pdf (default png; with svg or "
        "pdf, PNG is written at 300 dpi for print)",
    )


def add_engine(p, what: str = "") -> None:
    """The ``--engine`` option of run, sweep and assess (``what`` prefixes its help)."""
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default=DEFAULT_ENGINE,
        help=f"{what}compiled (fastest, default), ensemble (numpy arrays) or mesa "
        "(the agent model, one run at a time: the reference); all give the same numbers",
    )


def figure_formats(text: str | None) -> tuple[str, ...]:
    """``"png,svg"`` -> ``("png", "svg")``; an unknown format is a usage error."""
    try:
        return parse_formats(text or "png")
    except ValueError as exc:
        raise UsageError(f"--figure-formats: {exc}") from None


def parse_sets(items: list[str] | None, flag: str = "--set") -> dict[str, float]:
    """``["name=value", ...]`` -> validated parameter overrides."""
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"{flag} {item!r}: use NAME=VALUE")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise UsageError(f"{flag} {item!r}: {value!r} is not a number") from None
    problems = request_problems(params=out)
    if problems:
        said = [(f.removeprefix("parameter ").strip("'"), m) for f, m in problems]
        raise UsageError("; ".join(f"{flag} {n}: {m}" for n, m in said))
    return out


def without_posterior(scenario, drop: bool):
    """The scenario, without its ``posterior`` when ``drop`` (``--no-posterior``)."""
    if drop and getattr(scenario, "posterior", None):
        return scenario.model_copy(update={"posterior": None})
    return scenario


def check_runs_and_seed(args) -> None:
    """``--runs`` at least 1 and ``--seed`` not negative, where given."""
    problems = request_problems(runs=getattr(args, "runs", None), seed=getattr(args, "seed", None))
    if problems:
        raise UsageError("; ".join(f"--{field} {message}" for field, message in problems))
