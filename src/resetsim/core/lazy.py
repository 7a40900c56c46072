"""Names a package loads from their modules on first use (PEP 562).

``resetsim`` and ``resetsim.plotting`` keep their imports cheap this way:
``import resetsim`` loads neither Mesa nor matplotlib, and a sweep's figures
load only the plotting module they draw with.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_attributes(
    package: str, table: Mapping[str, str], public: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: a name of ``table``
    is imported from the module it maps to on first access and kept in the
    package (later accesses are plain attribute reads); any other name is an
    ``AttributeError`` naming the package.  ``public`` joins ``dir()``."""

    def __getattr__(name: str) -> Any:
        source = table.get(name)
        if source is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(public))

    return __getattr__, __dir__
