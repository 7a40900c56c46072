"""Reading the files a user names: one bounded, kind-checked reader.

Every file a scenario, an experiment or a command names (the scenario itself,
its parents, targets, patterns, outcomes, the power CSV, the posterior, the
forecast scenario) is read through :func:`read_input`:

* it must be a regular file (not a folder, a device such as ``/dev/zero``, a
  pipe or a socket); a symbolic link is followed to the file it names;
* of at most :func:`max_input_bytes` bytes (10 MB unless the environment
  variable ``RESETSIM_MAX_INPUT_MB`` says otherwise), checked before reading
  and again while reading (a file that grows is cut off, not read whole);
* text files are UTF-8 (a byte-order mark is allowed); Parquet files start
  and end with ``PAR1``.

A failure raises :class:`InputFileError`, whose message says what is wrong
with the file without quoting any of its content.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: The environment variable that sets the largest input file, in MB.
MAX_INPUT_ENV = "RESETSIM_MAX_INPUT_MB"
DEFAULT_MAX_INPUT_MB = 10.0

#: The kinds of input file and how each is checked.
KINDS = ("toml", "csv", "parquet")


class InputFileError(ValueError):
    """A named file cannot be read as the kind expected (message without content)."""


def about(ref: str | Path, exc: InputFileError) -> str:
    """A message about the file a field names: ``"no such file: REF"`` or
    ``"REF is a folder, not a file"`` (``ref`` as the user wrote it)."""
    message = str(exc)
    if message == "no such file":
        return f"no such file: {ref}"
    return f"{ref} {message}"


def max_input_bytes() -> int:
    """The largest input file read, in bytes (``RESETSIM_MAX_INPUT_MB``, default 10)."""
    text = os.environ.get(MAX_INPUT_ENV, "").strip()
    try:
        mb = float(text) if text else DEFAULT_MAX_INPUT_MB
    except ValueError:
        mb = DEFAULT_MAX_INPUT_MB
    if not mb > 0 or mb != mb or mb == float("inf"):
        mb = DEFAULT_MAX_INPUT_MB
    return int(mb * 1_000_000)


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.3g} MB"


def check_regular(path: Path) -> os.stat_result:
    """``os.stat`` of ``path`` if it is a regular file of a bounded size; else
    :class:`InputFileError` (missing, a folder, a device, too large ...)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputFileError("no such file") from None
    except OSError as exc:
        raise InputFileError(f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputFileError("is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError("is not a regular file (a device, pipe or socket); name a file")
    limit = max_input_bytes()
    if st.st_size > limit:
        raise InputFileError(
            f"is {_mb(st.st_size)}, more than the {_mb(limit)} an input file may have "
            f"(set {MAX_INPUT_ENV} to allow more)"
        )
    return st


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a regular file of bounded size (:class:`InputFileError` otherwise)."""
    path = Path(path)
    check_regular(path)
    limit = max_input_bytes()
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputFileError(f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped between stat and open
            raise InputFileError("is not a regular file (a device, pipe or socket); name a file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputFileError(f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputFileError(
            f"is more than the {_mb(limit)} an input file may have "
            f"(set {MAX_INPUT_ENV} to allow more)"
        )
    return data


def decode_text(data: bytes) -> str:
    """Bytes of a data file as text: UTF-8, with or without a byte-order mark.

    Raises :class:`InputFileError` with a message a user can act on (UTF-16, Latin-1 ...).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError("is UTF-16 text, not UTF-8; save it as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); save it as UTF-8"
        ) from None
    if "\x00" in text:
        raise InputFileError("is not a text file (it holds NUL bytes)")
    return text


def read_text(path: str | Path) -> str:
    """A bounded regular file as UTF-8 text (TOML or CSV)."""
    return decode_text(read_bytes(path))


def check_parquet(path: str | Path) -> Path:
    """``path`` if it is a bounded regular file that looks like Parquet
    (``PAR1`` at both ends); :class:`InputFileError` otherwise."""
    path = Path(path)
    data = read_bytes(path)
    if len(data) < 12 or not (data.startswith(b"PAR1") and data.endswith(b"PAR1")):
        raise InputFileError("is not a Parquet file")
    return path
