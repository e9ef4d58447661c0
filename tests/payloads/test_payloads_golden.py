"""Golden vectors of both avro frame formats, byte for byte, plus every malformed frame."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from durable_workflow.errors import PayloadDecodeError
from durable_workflow.payloads import (
    DEFAULT_CONVERTER,
    VALUE_V1_FINGERPRINT,
    DataConverter,
    decode_value_v1,
    decode_wrapper,
    encode_value_v1,
    encode_wrapper,
)
from durable_workflow.payloads._reference import (
    reference_decode_value_v1,
    reference_decode_wrapper,
    reference_encode_value_v1,
    reference_encode_wrapper,
    value_v1_schema,
    value_v1_schema_text,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "payloads"


def _load(name: str) -> dict[str, Any]:
    # Python's json keeps 3.0 a float, which float_3_0 needs.
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text("utf-8"))
    return data


WRAPPER = _load("avro-wrapper-v1-golden.json")
VALUE_V1 = _load("avro-value-v1-golden.json")

# The fixture gives scalars by kind; containers are given by wire only, so their values are here.
CONTAINER_VALUES: dict[str, Any] = {
    "array": [None, True, 7, 7.0, b"\x00\xff", "text"],
    "map": {"a": 1, "b": [False]},
    "map_empty": {},
    "map_key_0": {"0": "zero"},
    "map_keys_0_1": {"0": "zero", "1": "one"},
    "nested": {"items": [{"enabled": True}, b"bytes", -2.5]},
}


def _value_of(case: dict[str, Any]) -> Any:
    kind = case["kind"]
    if kind == "null":
        return None
    if kind == "long":
        return int(case["value"])
    if kind == "double":
        return float(case["value"])
    if kind == "bytes":
        return base64.b64decode(case["value_base64"])
    if kind in ("boolean", "string"):
        return case["value"]
    return CONTAINER_VALUES[case["name"]]


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


def test_wrapper_fixture_has_all_twelve_cases() -> None:
    assert len(WRAPPER["cases"]) == 12
    assert WRAPPER["prefix_hex"] == "00"


@pytest.mark.parametrize("case", WRAPPER["cases"], ids=_ids(WRAPPER["cases"]))
def test_wrapper_encode_is_byte_exact(case: dict[str, Any]) -> None:
    assert encode_wrapper(case["value"]) == case["blob"]
    assert DEFAULT_CONVERTER.encode_blob(case["value"]) == case["blob"]
    assert base64.b64decode(case["blob"]).hex() == case["bytes_hex"]
    assert reference_encode_wrapper(case["value"]).hex() == case["bytes_hex"]


@pytest.mark.parametrize("case", WRAPPER["cases"], ids=_ids(WRAPPER["cases"]))
def test_wrapper_decode(case: dict[str, Any]) -> None:
    decoded = DEFAULT_CONVERTER.decode_blob(case["blob"])
    assert decoded == case["value"]
    assert type(decoded) is type(case["value"])
    assert decode_wrapper(case["blob"]) == case["value"]
    assert reference_decode_wrapper(base64.b64decode(case["blob"])) == case["value"]
    assert DEFAULT_CONVERTER.decode({"codec": "avro", "blob": case["blob"]}) == case["value"]


def test_float_3_0_stays_a_float_in_json_text() -> None:
    case = next(c for c in WRAPPER["cases"] if c["name"] == "float_3_0")
    assert isinstance(case["value"], float)
    assert encode_wrapper(3.0) == "AAYzLjAC"
    assert encode_wrapper(3) == "AAIzAg=="


def test_shipped_schema_matches_fixture_and_fingerprint() -> None:
    shipped = json.loads(value_v1_schema_text())
    assert shipped == json.loads((FIXTURES / "durable_workflow.protocol.Value.v1.avsc").read_text("utf-8"))
    assert value_v1_schema().fingerprint("CRC-64-AVRO") == VALUE_V1_FINGERPRINT
    assert VALUE_V1_FINGERPRINT.hex() == VALUE_V1["fingerprint"]
    assert VALUE_V1["magic_hex"] == "c301"


@pytest.mark.parametrize("case", VALUE_V1["cases"], ids=_ids(VALUE_V1["cases"]))
def test_value_v1_encode_is_byte_exact(case: dict[str, Any]) -> None:
    value = _value_of(case)
    assert encode_value_v1(value) == case["wire_base64"]
    assert DataConverter(encoding="value-v1").encode_blob(value) == case["wire_base64"]
    assert reference_encode_value_v1(value) == base64.b64decode(case["wire_base64"])


@pytest.mark.parametrize("case", VALUE_V1["cases"], ids=_ids(VALUE_V1["cases"]))
def test_value_v1_decode(case: dict[str, Any]) -> None:
    value = _value_of(case)
    for decoded in (
        decode_value_v1(case["wire_base64"]),
        DEFAULT_CONVERTER.decode_blob(case["wire_base64"]),
        DataConverter(encoding="value-v1").decode({"codec": "avro", "blob": case["wire_base64"]}),
        reference_decode_value_v1(base64.b64decode(case["wire_base64"])),
    ):
        assert decoded == value
        assert repr(decoded) == repr(value)  # keeps -0.0, bool vs int, bytes vs str apart


@pytest.mark.parametrize("case", VALUE_V1["alternate_map_orders"], ids=_ids(VALUE_V1["alternate_map_orders"]))
def test_value_v1_alternate_map_orders(case: dict[str, Any]) -> None:
    decoded = [decode_value_v1(blob) for blob in case["wire_base64"]]
    assert decoded[0] == {"outer": [{"left": 1, "right": b"x"}], "tail": "done"}
    assert all(value == decoded[0] for value in decoded)
    for value in decoded:
        assert encode_value_v1(value) in case["wire_base64"]


# What each malformed frame's message must mention.
MALFORMED_WORDS = {
    "empty_blob": "empty",
    "decoded_non_magic_bytes": "magic",
    "short_frame": "truncated",
    "no_datum": "no datum",
    "trailing_bytes": "trailing bytes",
    "invalid_union_branch": "union index",
    "nan_double": "NaN",
    "positive_infinity_double": "Infinity",
    "negative_infinity_double": "-Infinity",
    "invalid_utf8_string": "invalid UTF-8",
    "unknown_fingerprint": "unknown schema fingerprint",
}


@pytest.mark.parametrize("case", VALUE_V1["malformed_frames"], ids=_ids(VALUE_V1["malformed_frames"]))
def test_value_v1_malformed_frame_rejected(case: dict[str, Any]) -> None:
    with pytest.raises(PayloadDecodeError) as caught:
        decode_value_v1(case["wire_base64"])
    assert caught.value.code == case["error"]
    word = MALFORMED_WORDS.get(case["name"], "truncated")
    assert word in str(caught.value)


@pytest.mark.parametrize("case", VALUE_V1["malformed_frames"], ids=_ids(VALUE_V1["malformed_frames"]))
def test_malformed_frame_rejected_by_auto_detect(case: dict[str, Any]) -> None:
    if case["wire_base64"] == "":
        # The avro codec path reads an empty blob as None, as 0.4.106 does.
        assert DEFAULT_CONVERTER.decode_blob(case["wire_base64"]) is None
        return
    with pytest.raises(PayloadDecodeError) as caught:
        DEFAULT_CONVERTER.decode({"codec": "avro", "blob": case["wire_base64"]})
    assert caught.value.code == case["error"]


def test_malformed_fixture_is_complete() -> None:
    assert len(VALUE_V1["malformed_frames"]) == 18
    assert {case["name"] for case in VALUE_V1["cases"]} == {
        "null", "boolean_false", "boolean_true", "long_min", "long_max", "long_7", "double_7",
        "negative_zero", "bytes_00ff", "string_utf8", *CONTAINER_VALUES,
    }  # fmt: skip
