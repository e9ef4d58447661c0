"""The quickstart greeter from examples/greeter.py, and the result it must produce."""

from __future__ import annotations

from typing import Any

from examples.greeter import GreeterWorkflow, greet

__all__ = ["GreeterWorkflow", "expected", "greet"]


def expected(name: str) -> dict[str, Any]:
    return {"greeting": f"Hello, {name}!", "length": len(name)}
