"""The ``resetsim`` command line: the top layer, which parses, loads, runs and
writes, and nothing else.  :func:`main` is the entry point; each sub-command
is one module here (``run``, ``compare``, ``validate``, ``sweep``,
``calibrate``, ``params``, ``kinds``)."""

from resetsim.cli.main import main

__all__ = ["main"]
