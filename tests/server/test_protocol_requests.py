"""The control plane's typed requests: what the protocol layer hands the engine, and what it refuses."""

from __future__ import annotations

import pytest

from durable_workflow.server._engine import EngineError
from durable_workflow.server._payload import encode_value
from durable_workflow.server._protocol import (
    parse_list,
    parse_query,
    parse_signal,
    parse_start,
    parse_stop,
    parse_update,
)


def test_start_fills_defaults_and_keeps_arguments_unframed() -> None:
    req = parse_start({"workflow_type": "t", "input": [1, "a"]})
    assert (req.workflow_type, req.task_queue, req.duplicate_policy) == ("t", "default", "fail")
    assert req.workflow_id  # a fresh id when none is sent
    assert req.input.values == (1, "a") and req.input.blob is None
    assert req.input.encode("value-v1") != req.input.encode("wrapper")


def test_start_names_every_bad_field_at_once() -> None:
    with pytest.raises(EngineError) as caught:
        parse_start({"workflow_type": 3, "duplicate_policy": "maybe", "request_id": "r", "input": 5})
    assert set(caught.value.details["errors"]) == {"workflow_type", "duplicate_policy", "request_id", "input"}


def test_an_envelope_is_kept_as_sent() -> None:
    blob = encode_value(["x"], "wrapper")
    req = parse_signal("go", {"input": {"codec": "avro", "blob": blob}, "request_id": "r-1"})
    assert (req.name, req.request_id, req.input.encode("value-v1")) == ("go", "r-1", blob)


def test_a_value_the_frame_cannot_carry_is_a_422_naming_input() -> None:
    req = parse_query("status", {"input": [2**70]})
    with pytest.raises(EngineError) as caught:
        req.input.encode("value-v1")
    assert caught.value.kind == "invalid" and set(caught.value.details["errors"]) == {"input"}


def test_update_and_stop_options() -> None:
    req = parse_update("approve", {"wait_for": "completed", "wait_timeout_seconds": 5})
    assert (req.wait_for, req.wait_timeout_seconds, req.input.values) == ("completed", 5, ())
    assert parse_stop("terminate", {"reason": "done"}).reason == "done"
    with pytest.raises(EngineError) as caught:
        parse_update("", {"wait_policy": "x"})
    assert set(caught.value.details["errors"]) == {"update_name"}


def test_list_decodes_its_page_token_and_refuses_a_bad_one() -> None:
    req = parse_list({"status": "running", "page_size": "20", "next_page_token": "NDA="})
    assert (req.status, req.page_size, req.offset, req.query) == ("running", 20, 40, "")
    with pytest.raises(EngineError) as caught:
        parse_list({"next_page_token": "not base64!"})
    assert set(caught.value.details["errors"]) == {"next_page_token"}
