"""What every sub-command shares: the usage error and ``--set NAME=VALUE`` parsing."""

from __future__ import annotations

from resetsim.core.params import check_overrides


class UsageError(Exception):
    """A command-line value is wrong (exit status 2)."""


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
    problems = check_overrides(out)
    if problems:
        raise UsageError("; ".join(f"{flag} {n}: {m}" for n, m in problems))
    return out


def without_posterior(scenario, drop: bool):
    """The scenario, without its ``posterior`` when ``drop`` (``--no-posterior``)."""
    if drop and getattr(scenario, "posterior", None):
        return scenario.model_copy(update={"posterior": None})
    return scenario
