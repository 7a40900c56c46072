"""MkDocs hooks: the pages generated at build time (`mkdocs build --strict`).

Nothing has to be run before the build; every generated page comes from the
package itself, so it cannot drift from the code:

- ``index.md``: the repository's README.md, its ``docs/`` links made relative;
- ``reference/cli.md``: every sub-command's ``--help``, from the argument parser;
- ``reference/api.md``: one mkdocstrings block per name in ``resetsim.__all__``;
- ``<!-- schema: module:Model -->`` in any page: a table of that pydantic
  model's fields (type, default, bounds), and of the models nested in it.

It also checks that the numbers README.md and FINDINGS.md quote are those of
their result files (``docs/gen_findings.py --check``): a mismatch is a
warning, so the strict build fails.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import logging
import os
import re
import types
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("mkdocs.hooks.resetsim")


# -- the front page -----------------------------------------------------------------


def front_page() -> str:
    """README.md with its links into docs/ made relative to the site."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.sub(r"\]\(docs/", "](", text)


# -- the command line ---------------------------------------------------------------


def cli_reference() -> str:
    cli = importlib.import_module("resetsim.cli.main")

    os.environ["COLUMNS"] = "88"  # argparse wraps its help to this width
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in sub._choices_actions}
    out = [
        "# Command line",
        "",
        "Generated from the argument parser at build time (`resetsim COMMAND --help` "
        "prints the same).  Every command reports bad input as one line naming the "
        "file and the field, with exit status 2, and writes nothing.",
        "",
        "```text",
        parser.format_help().rstrip(),
        "```",
    ]
    for name, p in sub.choices.items():
        out += ["", f"## `resetsim {name}`", "", f"{helps.get(name, '')}.", "", "```text"]
        out += [p.format_help().rstrip(), "```"]
    return "\n".join(out) + "\n"


# -- the Python API -----------------------------------------------------------------


def api_reference() -> str:
    import resetsim

    lazy = getattr(resetsim, "_LAZY", {})
    out = [
        "# Python API",
        "",
        "Generated from the docstrings of the names in `resetsim.__all__` "
        f"(version {resetsim.__version__}).  `import resetsim` loads neither Mesa nor "
        "matplotlib: the model, `run` and `evaluate` load their modules on first use.",
        "",
    ]
    for name in sorted(resetsim.__all__, key=lambda n: (n.startswith("_"), n.lower())):
        if name.startswith("__"):
            continue
        module = lazy.get(name) or getattr(getattr(resetsim, name), "__module__", None)
        out += [f"::: {module}.{name}", ""]
    return "\n".join(out)


# -- file formats from the pydantic schemas ------------------------------------------------


def _type(annotation) -> tuple[str, list[type]]:
    """A reader's name for a field's type, and the models nested in it."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        base, *meta = args
        names = {getattr(m, "func", None).__name__ for m in meta if hasattr(m, "func")}
        if "_number" in names:
            return ("integer" if base is int else "number"), []
        if "_date_like" in names:
            return "date", []
        return _type(base)
    if origin in (types.UnionType, typing.Union):
        parts = [_type(a) for a in args if a is not type(None)]
        nested = [m for _, ms in parts for m in ms]
        return " or ".join(dict.fromkeys(p for p, _ in parts)), nested
    if origin is typing.Literal:
        return " or ".join(f'`"{a}"`' for a in args), []
    if origin in (tuple, list):
        inner, nested = _type(args[0])
        return (f"array of {inner}" if not nested else f"array of tables ({inner})"), nested
    if origin is dict:
        inner, nested = _type(args[1])
        return f"table of {inner}", nested
    if isinstance(annotation, type):
        from pydantic import BaseModel

        if issubclass(annotation, BaseModel):
            return f"[{annotation.__name__}](#{annotation.__name__.lower()})", [annotation]
        return {"str": "text", "int": "integer", "float": "number", "bool": "boolean"}.get(
            annotation.__name__, annotation.__name__
        ), []
    if annotation is typing.Any:
        return "any", []
    return str(annotation), []


def _default(field) -> str:
    from pydantic_core import PydanticUndefined

    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        value = field.default_factory()
        return "empty" if not value else f"`{value!r}`"
    value = field.default
    if value is PydanticUndefined or value is None:
        return "none"
    if hasattr(value, "model_dump"):
        return "defaults"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`' if value else '`""`'
    if isinstance(value, tuple) and not value:
        return "none"
    return f"`{value!r}`"


def _bounds(field) -> str:
    words = []
    for m in field.metadata:
        for attr, word in (
            ("ge", "≥"),
            ("gt", ">"),
            ("le", "≤"),
            ("lt", "<"),
            ("min_length", "at least"),
            ("max_length", "at most"),
        ):
            value = getattr(m, attr, None)
            if value is not None:
                words.append(f"{word} {value}" + (" long" if "length" in attr else ""))
        pattern = getattr(m, "pattern", None)
        if pattern:
            words.append(f"matches `{pattern}`")
    return ", ".join(words)


#: Fields the loader fills in, or refuses (never written in a file).
_INTERNAL = {
    ("Scenario", "source"),
    ("Scenario", "base_dir"),
    ("Event", "scale"),
    ("Process", "scale"),
}


def _field_type(field) -> tuple[str, list[type]]:
    """A required field's ``Annotated`` metadata is moved off its annotation."""
    names = {m.func.__name__ for m in field.metadata if hasattr(m, "func")}
    if "_date_like" in names:
        return "date", []
    if "_number" in names:
        return ("integer" if field.annotation is int else "number"), []
    return _type(field.annotation)


def schema_tables(spec: str) -> str:
    """Tables of a pydantic model's fields and of every model nested in it."""
    module, _, name = spec.partition(":")
    todo = [getattr(importlib.import_module(module), name)]
    seen: list[type] = []
    out: list[str] = []
    while todo:
        model = todo.pop(0)
        if model in seen:
            continue
        seen.append(model)
        doc = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        out += [f"### {model.__name__}", ""]
        if doc and not doc.startswith("!!!") and "Usage docs" not in doc:
            out += [doc, ""]
        out += ["| field | type | default | bounds |", "|---|---|---|---|"]
        for fname, field in model.model_fields.items():
            if (model.__name__, fname) in _INTERNAL:
                continue
            kind, nested = _field_type(field)
            todo += [m for m in nested if m not in seen]
            key = field.alias or fname
            out.append(f"| `{key}` | {kind} | {_default(field)} | {_bounds(field)} |")
        out.append("")
    return "\n".join(out)


_SCHEMA = re.compile(r"<!--\s*schema:\s*([\w.]+:\w+)\s*-->")


# -- the hooks ------------------------------------------------------------------------------


def on_pre_build(config):
    spec = importlib.util.spec_from_file_location("gen_findings", ROOT / "docs" / "gen_findings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for problem in module.check():
        log.warning("%s (run `python docs/gen_findings.py`)", problem)


def on_files(files, config):
    from mkdocs.structure.files import File

    for uri, make in (
        ("index.md", front_page),
        ("reference/cli.md", cli_reference),
        ("reference/api.md", api_reference),
    ):
        existing = files.get_file_from_path(uri)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, uri, content=make()))
    return files


def on_page_markdown(markdown, page, config, files):
    return _SCHEMA.sub(lambda m: schema_tables(m.group(1)), markdown)


#: A Sphinx role left in a docstring, as mkdocstrings renders it.
_ROLE = re.compile(r":(?:func|class|meth|attr|mod|data|exc|obj):<code>(~?)([^<]+)</code>")


def on_page_content(html, page, config, files):
    """Docstrings keep their Sphinx roles for ``help()``; on the site they read as code."""
    return _ROLE.sub(
        lambda m: f"<code>{m.group(2).rsplit('.', 1)[-1] if m.group(1) else m.group(2)}</code>",
        html,
    )


def on_startup(command, dirty):
    # the package is imported from this checkout when it is not installed
    with contextlib.suppress(ImportError):
        import resetsim  # noqa: F401

        return
    import sys

    sys.path.insert(0, str(ROOT / "src"))
