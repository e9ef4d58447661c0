"""Property fuzzing of the codecs and the converter, beyond tests/payloads/test_payloads_properties.py.

That module covers byte-identity with the avro library, random frames and texts, random envelope
objects and typed round trips. Here: rich and unencodable Python values against an independent
oracle (the stdlib json module), mutations of valid frames (truncation must never yield a
different value), random JSON against typed annotations and typed signatures. Every failure must be
a `PayloadError`; nothing may crash with another exception or return a silently wrong value.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import enum
import json
import math
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal, Optional

import pydantic
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from durable_workflow.errors import PayloadError
from durable_workflow.payloads import (
    DataConverter,
    decode_arguments,
    decode_result,
    from_json_compatible,
    to_json_compatible,
)

WRAPPER, V1 = DataConverter(encoding="wrapper"), DataConverter(encoding="value-v1")
CONVERTERS = st.sampled_from([WRAPPER, V1])
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**62, max_value=2**80)
    | st.floats()  # NaN and +-inf included: they must be refused, not written
    | st.text(max_size=12)
    | st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=2)
    | st.binary(max_size=8)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3)
    | st.uuids()
    | st.dates(min_value=dt.date(1900, 1, 1))
)
keys = st.text(max_size=6) | st.integers(-5, 5) | st.booleans() | st.none() | st.floats(-2, 2)
rich = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(keys, inner, max_size=4)
        | st.frozensets(st.integers(-3, 3), max_size=3)
    ),
    max_leaves=16,
)


REFUSED = object()


def _oracle(value: Any, converter: DataConverter) -> Any:
    """What a round trip must give back, computed without the SDK's codecs (REFUSED: no JSON form)."""
    try:
        plain = to_json_compatible(value)
        if converter is V1:
            return plain  # bytes and exact ints survive; only equality with the input is checked
        text = json.dumps(plain, allow_nan=False, ensure_ascii=False)
        text.encode("utf-8")  # lone surrogates have no UTF-8 form
        return json.loads(text)
    except (PayloadError, TypeError, ValueError, UnicodeError):
        return REFUSED


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=repr) == json.dumps(
        b, sort_keys=True, default=repr
    ) and repr(_shape(a)) == repr(_shape(b))


def _shape(value: Any) -> Any:
    """Types down the tree (tells 1 from 1.0 and True from 1)."""
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _shape(v) for k, v in value.items()}
    return type(value).__name__


@FUZZ
@given(rich, CONVERTERS)
def test_rich_values_round_trip_or_fail_with_a_payload_error(value: Any, converter: DataConverter) -> None:
    try:
        blob = converter.encode_blob(value)
    except PayloadError:
        return  # refusing is always allowed; writing something wrong is not
    decoded = converter.decode(blob)
    expected = _oracle(value, converter)
    assert expected is not REFUSED, f"wrote a value that has no faithful JSON form: {value!r}"
    assert _same(decoded, expected), (value, decoded, expected)
    assert _same(converter.decode(converter.encode_blob(decoded)), decoded)


@pytest.mark.parametrize("converter", [WRAPPER, V1], ids=["wrapper", "value-v1"])
def test_tuple_dict_keys_are_refused_with_a_payload_error(converter: DataConverter) -> None:
    with pytest.raises(PayloadError):
        converter.encode_blob({(1, 2): "pair"})


# --- mutations of valid frames ---------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(json_values, CONVERTERS, st.data())
def test_a_truncated_frame_is_refused_or_means_the_same_value(
    value: Any, converter: DataConverter, data: st.DataObject
) -> None:
    raw = base64.b64decode(converter.encode_blob(value))
    cut = data.draw(st.integers(1, len(raw) - 1), label="keep")  # empty = no payload
    try:
        decoded = converter.decode(base64.b64encode(raw[:cut]).decode())
    except PayloadError:
        return
    # Only the wrapper's trailing schema-version varint may be missing without changing the value.
    assert _same(decoded, value), (value, cut, decoded)


@FUZZ
@given(json_values, CONVERTERS, st.data())
def test_mutated_frames_decode_or_fail_with_a_payload_error(
    value: Any, converter: DataConverter, data: st.DataObject
) -> None:
    raw = bytearray(base64.b64decode(converter.encode_blob(value)))
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        where = data.draw(st.integers(0, len(raw)), label="at")
        action = data.draw(st.sampled_from(["flip", "insert", "delete"]), label="edit")
        if action == "flip" and where < len(raw):
            raw[where] ^= data.draw(st.integers(1, 255), label="mask")
        elif action == "insert":
            raw.insert(where, data.draw(st.integers(0, 255), label="byte"))
        elif where < len(raw) and len(raw) > 1:
            del raw[where]
    blob = base64.b64encode(bytes(raw)).decode()
    payloads: list[Any] = [blob, {"codec": "avro", "blob": blob}, blob[:-1] + "!"]
    for payload in payloads:
        try:
            decoded = converter.decode(payload)
        except PayloadError:
            continue
        json.dumps(decoded, default=bytes.hex)  # whatever comes out is plain data


# --- random JSON against typed annotations ---------------------------------------------------


class Shade(enum.Enum):
    LIGHT = "light"
    DARK = "dark"


class Item(pydantic.BaseModel):
    sku: str
    qty: int = pydantic.Field(ge=0)
    price: Decimal


@dataclasses.dataclass
class Box:
    items: list[Item]
    shade: Shade
    sealed_at: dt.datetime | None = None


ANNOTATIONS: list[Any] = [
    int,
    float,
    str,
    bool,
    list[int],
    dict[str, float],
    tuple[int, str],
    Optional[uuid.UUID],  # noqa: UP045 - the typing spelling is what users write too
    dt.datetime,
    dt.date,
    Decimal,
    Shade,
    Literal["a", "b"],
    Item,
    Box,
    list[Box],
    dict[str, list[Item]],
]
plain_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(["light", "2026-04-20T10:00:00Z", "2026-04-20", "12.50", str(uuid.UUID(int=1))]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["sku", "qty", "price", "items", "shade", "sealed_at", "x"]), inner, max_size=4
        )
    ),
    max_leaves=12,
)
item_like = st.fixed_dictionaries(
    {
        "sku": st.text(max_size=4) | st.integers(),
        "qty": st.integers(-2, 3) | st.text(max_size=2),
        "price": st.sampled_from(["1.5", 2, "x", None]),
    }
)
box_like = st.fixed_dictionaries(
    {"items": st.lists(item_like, max_size=2), "shade": st.sampled_from(["light", "dark", "grey"])}
)


@FUZZ
@given(plain_json | item_like | box_like | st.lists(box_like, max_size=2), st.sampled_from(ANNOTATIONS))
def test_random_json_against_an_annotation_is_a_value_of_that_type_or_a_payload_error(
    value: Any, annotation: Any
) -> None:
    try:
        rebuilt = from_json_compatible(value, annotation, where="fuzz")
    except PayloadError as exc:
        assert "fuzz" in str(exc)
        return
    adapter = pydantic.TypeAdapter(annotation)
    assert adapter.validate_python(rebuilt) == rebuilt  # a real value of that type
    # Going back out gives data that rebuilds to the same value (no silent drift).
    assert from_json_compatible(to_json_compatible(rebuilt), annotation) == rebuilt


def charge(box: Box, copies: int, *notes: str) -> Item:
    raise AssertionError("never called")


@FUZZ
@given(st.lists(plain_json | box_like | st.integers(), max_size=4), plain_json | item_like)
def test_typed_signatures_decode_or_fail_with_a_payload_error(args: list[Any], result: Any) -> None:
    try:
        decoded = decode_arguments(charge, args, skip=0, where="activity 'charge'")
    except PayloadError as exc:
        assert "charge" in str(exc)
    else:
        assert isinstance(decoded[0], Box) and type(decoded[1]) is int
        assert all(type(n) is str for n in decoded[2:])
    try:
        out = decode_result(charge, result, where="activity 'charge'")
    except PayloadError:
        return
    assert isinstance(out, Item)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -math.inf, {"x": [1, float("nan")]}])
@pytest.mark.parametrize("converter", [WRAPPER, V1], ids=["wrapper", "value-v1"])
def test_non_finite_floats_anywhere_are_refused(bad: Any, converter: DataConverter) -> None:
    with pytest.raises(PayloadError):
        converter.encode_blob(bad)


@FUZZ
@given(st.from_type(type).filter(lambda t: t.__module__ == "builtins" and t not in (object, type)))
def test_instances_of_arbitrary_builtin_types_never_crash_the_converter(kind: type) -> None:
    try:
        value = kind()
    except Exception:
        assume(False)
        return
    for step in (to_json_compatible, WRAPPER.encode_blob, V1.encode_blob):
        _call_or_payload_error(step, value)


def _call_or_payload_error(fn: Callable[[Any], Any], value: Any) -> None:
    with contextlib.suppress(PayloadError):
        fn(value)
