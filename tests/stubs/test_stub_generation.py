"""The stub generator: committed stubs are current, generated modules have the promised shape."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import os
import subprocess
import sys
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

import pydantic
import pytest
from typing_extensions import NotRequired

from durable_workflow.client._stub import workflow_type_name
from durable_workflow.stubs import StubError, generate, is_stub, main

ROOT = Path(__file__).resolve().parents[2]
#: The modules whose stubs are committed in the top-level stubs/ directory.
EXAMPLE_MODULES = ["examples.greeter", "examples.order_processing.workflows"]


def import_generated(out_dir: Path, stem: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(out_dir))
    monkeypatch.delitem(sys.modules, stem, raising=False)
    return importlib.import_module(stem)


def sampleapp(name: str) -> Any:
    """A module of the sample application (found through the test directory, so untyped here)."""
    return importlib.import_module(f"sampleapp.{name}")


@pytest.fixture
def triage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    generate("sampleapp.workflows", tmp_path)
    return import_generated(tmp_path, "sampleapp_workflows", monkeypatch)


def test_committed_stubs_are_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    written = [path for module in EXAMPLE_MODULES for path in generate(module, tmp_path)]
    committed = sorted(p.name for p in (ROOT / "stubs").iterdir() if p.is_file())
    assert committed == sorted(p.name for p in written), "stubs/ holds files no example produces"
    for fresh in written:
        stale = (ROOT / "stubs" / fresh.name).read_text(encoding="utf-8")
        assert stale == fresh.read_text(encoding="utf-8"), (
            f"stubs/{fresh.name} is stale: run `python -m durable_workflow.stubs generate "
            f"{' '.join(EXAMPLE_MODULES)} --out stubs`"
        )


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = [p.read_bytes() for p in generate("sampleapp.workflows", tmp_path / "a")]
    second = [p.read_bytes() for p in generate("sampleapp.workflows", tmp_path / "b")]
    assert first == second
    assert all(content.endswith(b"\n") and not content.endswith(b"\n\n") for content in first)


def test_stub_carries_the_type_name_and_the_run_signature(triage: ModuleType) -> None:
    Ticket = sampleapp("payloads").Ticket
    stub = triage.TriageWorkflow
    assert is_stub(stub)
    assert workflow_type_name(stub) == "ticket-triage"
    hints = typing.get_type_hints(stub.run)
    assert hints["ticket"] is Ticket  # a payload module's type is imported, not copied
    assert hints["assignee"] == triage.Assignee | None
    with pytest.raises(NotImplementedError, match="runs on a worker"):
        stub().run(None, Ticket(ticket_id="t", title="x"))


def test_worker_side_types_are_regenerated_with_the_same_shape(triage: ModuleType) -> None:
    impl = sampleapp("workflows")
    assert issubclass(triage.Assignee, pydantic.BaseModel)
    assert triage.Comment.__dataclass_params__.frozen and dataclasses.is_dataclass(triage.Comment)
    assert issubclass(triage.Stage, enum.Enum)
    for name in ("Assignee", "Comment", "Stage", "Summary"):
        copy, original = getattr(triage, name), getattr(impl, name)
        assert copy is not original and copy.__module__ == "sampleapp_workflows"
        schema = pydantic.TypeAdapter(copy).json_schema()
        assert schema == pydantic.TypeAdapter(original).json_schema(), name
    hints = typing.get_type_hints(triage.Summary, include_extras=True)
    assert typing.get_origin(hints["closed_by"]) is NotRequired


def test_handle_methods_follow_the_handlers(triage: ModuleType) -> None:
    handle = triage.TriageWorkflowHandle
    assert {"comment", "close", "list_comments", "reprioritise"} <= set(vars(handle))
    hints = typing.get_type_hints(handle.list_comments)
    assert hints["limit"] is int
    assert typing.get_origin(hints["return"]) is list and typing.get_args(hints["return"]) == (
        triage.Comment,
    )


def test_the_stub_does_not_import_worker_code(tmp_path: Path) -> None:
    probe = (
        "import sys, examples_order_processing_workflows as s;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'examples'))"
    )
    env_path = f"{ROOT / 'stubs'}:{ROOT}"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": env_path},
        cwd=tmp_path,
        timeout=30,
        check=True,
    )
    imported = "['examples', 'examples.order_processing', 'examples.order_processing.models']"
    assert done.stdout.strip() == imported


def test_cli_writes_and_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "sampleapp.workflows", "--out", str(tmp_path)]) == 0
    assert "sampleapp_workflows.schema.json" in capsys.readouterr().out
    assert main(["generate", "sampleapp.workflows", "--out", str(tmp_path), "--check"]) == 0
    (tmp_path / "sampleapp_workflows.py").write_text("# edited by hand\n", encoding="utf-8")
    assert main(["generate", "sampleapp.workflows", "--out", str(tmp_path), "--check"]) == 1
    assert "stale:" in capsys.readouterr().err


def test_cli_reports_a_module_without_workflows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "sampleapp.payloads", "--out", str(tmp_path)]) == 2
    assert "no @workflow.defn classes" in capsys.readouterr().err
    assert main(["generate", "no_such_module_anywhere", "--out", str(tmp_path)]) == 2


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "durable_workflow.stubs",
            "generate",
            "sampleapp.workflows",
            "--out",
            str(tmp_path),
        ],
        cwd=Path(__file__).parent,  # `python -m` finds sampleapp in the current directory
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["sampleapp_workflows.py", "sampleapp_workflows.schema.json"]


def test_unwritable_types_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = ModuleType("odd_workflows")
    source = (
        "from collections.abc import Generator\n"
        "from typing import Any\n"
        "from durable_workflow import workflow\n"
        "class Opaque:\n    pass\n"
        "@workflow.defn(name='odd')\n"
        "class Odd:\n"
        "    def run(self, ctx: Any, value: Opaque) -> Generator[Any, Any, None]:\n"
        "        yield ctx.sleep(1)\n"
    )
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(source, "odd_workflows.py", "exec"), module.__dict__)
    with pytest.raises(StubError, match="Opaque"):
        generate("odd_workflows", tmp_path)


def test_names_that_clash_with_helpers_are_renamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = ModuleType("clashing_workflows")
    source = (
        "from __future__ import annotations\n"
        "from collections.abc import Generator\n"
        "from typing import Any\n"
        "import pydantic\n"
        "from durable_workflow import workflow\n"
        "class Field(pydantic.BaseModel):\n    label: str\n"
        "@workflow.defn(name='clash')\n"
        "class Clash:\n"
        "    def run(self, ctx: Any, field: Field) -> Generator[Any, Any, list[Field]]:\n"
        "        yield ctx.sleep(1)\n"
        "        return [field]\n"
    )
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(source, "clashing_workflows.py", "exec"), module.__dict__)
    generate("clashing_workflows", tmp_path, stem="clash_stubs")
    stubs = import_generated(tmp_path, "clash_stubs", monkeypatch)
    assert stubs.Field_2(label="x").label == "x"  # pydantic's `Field` keeps its name in the stub
    assert typing.get_type_hints(stubs.Clash.run)["field"] is stubs.Field_2
    with pytest.raises(StubError, match="not a Python identifier"):
        generate("clashing_workflows", tmp_path, stem="clash-stubs")
