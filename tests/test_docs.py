"""Every ```python block of the docs runs, page by page, against a live dev server.

The blocks of one page share a namespace and run in order, so a page reads like one program.
Top-level ``await`` is allowed. ``http://localhost:8080`` in a block is replaced by the address of
a fresh dev server, so the docs can show the address a reader would use.
"""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import inspect
import linecache
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.S | re.M)


def python_blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text(encoding="utf-8"))


def pages_with_code() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if python_blocks(p))


async def _run_in_loop(code: types.CodeType, namespace: dict[str, Any]) -> None:
    # Inside the page's loop, so a block may start tasks that later blocks await.
    result = eval(code, namespace)
    if inspect.iscoroutine(result):
        await result


def run_blocks(page: Path, blocks: list[str], url: str) -> None:
    module = types.ModuleType(f"docs_{page.stem.replace('-', '_')}")
    sys.modules[module.__name__] = module  # dataclasses and pydantic resolve names through it
    namespace: dict[str, Any] = module.__dict__
    loop = asyncio.new_event_loop()
    try:
        for index, source in enumerate(blocks):
            source = source.replace("http://localhost:8080", url)
            filename = f"{page.relative_to(DOCS.parent)}#block{index + 1}"
            # Registering the source lets inspect.getsource and tracebacks see doc-defined code.
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            code = compile(source, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
            if "asyncio.run(" in source:
                # A complete script that runs its own loop: give it a thread with no loop running.
                with concurrent.futures.ThreadPoolExecutor(1) as pool:
                    pool.submit(eval, code, namespace).result()
            else:
                loop.run_until_complete(_run_in_loop(code, namespace))
    finally:
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        sys.modules.pop(module.__name__, None)


@pytest.mark.parametrize("page", pages_with_code(), ids=lambda p: str(p.relative_to(DOCS)))
def test_doc_page_code_runs(page: Path, live_server_url: str) -> None:
    run_blocks(page, python_blocks(page), live_server_url)


def test_docs_have_code_to_run() -> None:
    assert len(pages_with_code()) >= 5
