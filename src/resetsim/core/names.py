"""Looking names up: "did you mean ...?" for a mistyped name.

Every place that looks a name up in a known set (shock kinds, parameters,
sub-commands and options, built-in scenarios) says what the user probably
meant, with :func:`difflib.get_close_matches`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_matches(name: object, choices: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` names of ``choices`` close to ``name``, best first
    (case-insensitive; none when ``name`` is not a string)."""
    if not isinstance(name, str) or not name:
        return []
    choices = list(dict.fromkeys(str(c) for c in choices))
    by_lower: dict[str, str] = {}
    for c in choices:
        by_lower.setdefault(c.lower(), c)
    found = difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[f] for f in found]


def did_you_mean(name: object, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"``, ``" (did you mean 'x' or 'y'?)"`` or ``""``:
    a suffix for an error message about an unknown ``name``."""
    found = close_matches(name, choices, n=2)
    if not found:
        return ""
    return " (did you mean " + " or ".join(repr(f) for f in found) + "?)"
