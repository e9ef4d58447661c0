"""``durable-workflow stubs generate``: write a module's stubs and contracts, or check them."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from durable_workflow.stubs._inspect import StubError, inspect_module
from durable_workflow.stubs._schema import contract
from durable_workflow.stubs._source import stub_source

__all__ = ["generate", "main", "output_stem"]

logger = logging.getLogger("durable_workflow.stubs")


def output_stem(module_name: str) -> str:
    """The file name (without suffix) of a module's stubs: ``examples.greeter`` -> ``examples_greeter``."""
    return module_name.replace(".", "_")


def generate(module_name: str, out_dir: Path, *, stem: str | None = None) -> list[Path]:
    """Import ``module_name`` and write its stub module and JSON Schema contract into ``out_dir``.

    Returns the two paths written: ``<stem>.py`` and ``<stem>.schema.json``, where ``stem``
    defaults to the module name with dots turned into underscores.

    Raises:
        StubError: a signature cannot be written as a stub or has no JSON Schema.
    """
    spec = inspect_module(importlib.import_module(module_name))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = stem or output_stem(module_name)
    if not stem.isidentifier():
        raise StubError(f"stub module name {stem!r} is not a Python identifier")
    stub_path = out_dir / f"{stem}.py"
    schema_path = out_dir / f"{stem}.schema.json"
    source = stub_source(spec)
    # Sorted keys and a trailing newline keep the committed contracts byte-stable.
    document = json.dumps(contract(spec), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    stub_path.write_text(source, encoding="utf-8")
    schema_path.write_text(document, encoding="utf-8")
    logger.info("wrote %s and %s", stub_path, schema_path)
    return [stub_path, schema_path]


def stale_files(module_names: Sequence[str], out_dir: Path) -> list[str]:
    """Names of files in ``out_dir`` that differ from what ``generate`` would write now."""
    with tempfile.TemporaryDirectory() as tmp:
        stale = []
        for module_name in module_names:
            for fresh in generate(module_name, Path(tmp)):
                committed = Path(out_dir) / fresh.name
                if not committed.is_file() or committed.read_bytes() != fresh.read_bytes():
                    stale.append(str(committed))
        return stale


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="durable-workflow stubs",
        description="Typed client stubs and JSON Schema contracts of workflow modules.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write <module>.py stubs and <module>.schema.json contracts")
    gen.add_argument("modules", nargs="+", metavar="MODULE", help="importable module, e.g. app.workflows")
    gen.add_argument("--out", type=Path, default=Path("stubs"), help="output directory (default: stubs)")
    gen.add_argument("--check", action="store_true", help="write nothing; exit 1 if the files are stale")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command line: ``generate MODULE [MODULE...] --out DIR [--check]``; returns the exit status."""
    args = _parser().parse_args(argv)
    # Like `python -m`, resolve modules from the current directory first.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        if args.check:
            stale = stale_files(args.modules, args.out)
            for path in stale:
                sys.stderr.write(f"stale: {path} (run `durable-workflow stubs generate` again)\n")
            return 1 if stale else 0
        for module_name in args.modules:
            for written in generate(module_name, args.out):
                sys.stdout.write(f"wrote {written}\n")
    except (StubError, ImportError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    return 0
