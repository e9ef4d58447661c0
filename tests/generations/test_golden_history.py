"""Replay of the upstream golden histories (restated in tests/fixtures/golden_history), both frames.

Their events carry no sequence, so these prove the order-based correlation, and each case's
``expected`` next command is checked by `replay` itself.
"""

from __future__ import annotations

import copy
import io
import json
from argparse import Namespace
from pathlib import Path
from typing import Any

import pytest

from durable_workflow.errors import NonDeterminismError
from durable_workflow.payloads import encode_value_v1, encode_wrapper, framing_of
from durable_workflow.testing import ReplayHistory, load_histories, parse_histories, replay
from durable_workflow.testing._replay_cli import run_replay
from durable_workflow.workflow import get_definition
from tests.generations.golden_workflows import GOLDEN_WORKFLOWS

FIXTURES = Path(__file__).parent.parent / "fixtures" / "golden_history"
FILES = sorted(FIXTURES.glob("*.json"))
REGISTRY = {get_definition(w).name: w for w in GOLDEN_WORKFLOWS}
CASES = [(path.stem, case) for path in FILES for case in load_histories(path)]


def test_both_frames_and_all_five_families_are_restated() -> None:
    assert [p.stem for p in FILES] == ["upstream-2.0.0-rc.30-value-v1", "upstream-2.0.0-rc.30-wrapper"]
    for path in FILES:
        data = json.loads(path.read_text())
        assert {c["family"] for c in data["cases"]} == {
            "activity",
            "signal-update",
            "wait-condition",
            "version-marker",
            "saga-compensation",
        }
        frames = {framing_of(e["payload"].get("result")) for c in data["cases"] for e in c["history"]}
        assert frames - {None} == {"wrapper" if "wrapper" in path.stem else "value-v1"}


def test_our_value_v1_bytes_equal_the_upstream_recording() -> None:
    # The upstream fixture records "hello Ada" as this blob; our encoder must write the same bytes.
    assert encode_value_v1("hello Ada") == "wwHioz3/VYAiNwoSaGVsbG8gQWRh"


@pytest.mark.parametrize(("fixture", "case"), CASES, ids=[f"{f}::{c.name}" for f, c in CASES])
def test_golden_case_replays_to_its_expected_command(fixture: str, case: ReplayHistory) -> None:
    assert all("sequence" not in e for e in case.events)  # no event-level sequence: order decides
    commands = replay(REGISTRY[str(case.workflow_type)], case)
    assert case.expected is not None and commands


def _case(name: str) -> dict[str, Any]:
    data = json.loads(FILES[0].read_text())
    return {**data, "cases": [c for c in data["cases"] if c["name"] == name]}


def test_a_wrong_expected_command_is_a_non_determinism_error() -> None:
    data = _case("saga_compensates_after_child_failure")
    data["cases"][0]["expected"]["arguments"] = ["order-123", "reservation-456", "card expired"]
    with pytest.raises(NonDeterminismError, match="card expired"):
        replay(REGISTRY["golden.saga-compensation"], data)


def test_changed_code_drifts_from_the_golden_history() -> None:
    data = _case("single_activity_completion")
    changed = copy.deepcopy(data)
    changed["cases"][0]["workflow_type"] = "golden.timeout-wait"
    with pytest.raises(NonDeterminismError):
        replay(REGISTRY["golden.timeout-wait"], changed)


def test_a_fixture_with_several_cases_is_picked_by_workflow_type() -> None:
    data = json.loads(FILES[0].read_text())
    assert len(parse_histories(data)) == 5
    commands = replay(REGISTRY["golden.timeout-wait"], data)
    assert [c["type"] for c in commands] == ["complete_workflow"]


def test_the_replay_command_reports_every_case() -> None:
    out, err = io.StringIO(), io.StringIO()
    args = Namespace(paths=[str(FIXTURES)], workflows=["tests.generations.golden_workflows"], quiet=False)
    assert run_replay(args, out, err) == 0, out.getvalue() + err.getvalue()
    assert "replayed 10 histories: 10 ok, 0 failed" in out.getvalue()
    assert "::wait_condition_timeout" in out.getvalue()


@pytest.mark.parametrize("encode", [encode_value_v1, encode_wrapper], ids=["value-v1", "wrapper"])
def test_a_server_history_export_without_step_sequences_replays_by_order(encode: Any) -> None:
    # The shape of a Durable Workflow server's export: events named by "type", history sequences
    # on the events, and no payload.sequence on the steps.
    bundle: dict[str, Any] = {
        "schema": "durable-workflow.v2.history-export",
        "workflow": {"instance_id": "wf-231", "run_id": "run-231", "workflow_type": "golden.single-activity"},
        "payloads": {"codec": "avro", "arguments": {"available": True, "data": encode(["Ada"])}},
        "history_events": [
            {
                "sequence": 1,
                "type": "WorkflowStarted",
                "payload": {"workflow_type": "golden.single-activity"},
            },
            {"sequence": 2, "type": "ActivityScheduled", "payload": {"activity_type": "golden.greet"}},
            {"sequence": 3, "type": "ActivityCompleted", "payload": {"result": encode("hi Ada")}},
            {"sequence": 4, "type": "WorkflowCompleted", "payload": {"output": encode("hi Ada")}},
        ],
    }
    commands = replay(REGISTRY["golden.single-activity"], bundle)
    assert [c["type"] for c in commands] == ["complete_workflow"]
    assert framing_of(commands[0]["result"]) == framing_of(encode("x"))  # answered in the run's frame
    changed = copy.deepcopy(bundle)
    changed["history_events"][1]["payload"]["activity_type"] = "golden.other"
    with pytest.raises(NonDeterminismError):
        replay(REGISTRY["golden.single-activity"], changed)
