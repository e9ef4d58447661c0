"""The typing cases in tests/typing pass pyright in strict mode, as they pass mypy strict.

mypy checks them in `make test` (they are under ``files``); pyright runs here, with the settings
in pyproject.toml's ``[tool.pyright]``: strict, and every ``# type: ignore`` must be needed, so the
cases that must be rejected are rejected by both checkers.
"""

from __future__ import annotations

import pytest

from tests.pyright_check import ROOT, pyright_errors


@pytest.mark.timeout(600)
def test_typing_cases_pass_pyright_strict() -> None:
    errors, analysed = pyright_errors()
    assert not errors, "\n".join(errors)
    assert analysed == len(list((ROOT / "tests" / "typing").glob("*.py")))
