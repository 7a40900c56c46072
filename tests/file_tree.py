"""What is under a folder, to check that a command wrote or deleted nothing there."""

from __future__ import annotations

from pathlib import Path


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its size and modification time."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()  # a folder by its presence (a probe for writability touches it)
        out[str(p.relative_to(root))] = (-1, 0) if p.is_dir() else (st.st_size, st.st_mtime_ns)
    return out
