"""Property tests: fast paths equal the avro library, round trips hold, garbage fails cleanly."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import enum
import math
import uuid
from decimal import Decimal
from typing import Any, Optional

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from durable_workflow.errors import PayloadDecodeError, PayloadError
from durable_workflow.payloads import (
    DEFAULT_CONVERTER,
    VALUE_V1_FINGERPRINT,
    DataConverter,
    _value_v1,
    _value_v1_fast,
    decode_value_v1,
    decode_wrapper,
    encode_value_v1,
    encode_wrapper,
    from_json_compatible,
    to_json_compatible,
)
from durable_workflow.payloads._reference import (
    reference_decode_value_v1,
    reference_decode_wrapper,
    reference_encode_value_v1,
    reference_encode_wrapper,
)

V1 = DataConverter(encoding="value-v1")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

finite_floats = st.floats(allow_nan=False, allow_infinity=False)
int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
json_scalars = st.none() | st.booleans() | st.integers() | finite_floats | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=25,
)
value_v1_values = st.recursive(
    st.none() | st.booleans() | int64 | finite_floats | st.text() | st.binary(max_size=16),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=25,
)


def _same(a: Any, b: Any) -> bool:
    """Equality that also tells -0.0 from 0.0 and True from 1."""
    return repr(a) == repr(b)


@FAST
@given(json_values)
def test_wrapper_fast_path_is_byte_identical_to_the_avro_library(value: Any) -> None:
    blob = encode_wrapper(value)
    assert base64.b64decode(blob) == reference_encode_wrapper(value)
    assert _same(decode_wrapper(blob), reference_decode_wrapper(base64.b64decode(blob)))
    assert _same(DEFAULT_CONVERTER.decode(blob), value)


@FAST
@given(value_v1_values)
def test_value_v1_fast_path_is_byte_identical_to_the_avro_library(value: Any) -> None:
    blob = encode_value_v1(value)
    assert base64.b64decode(blob) == reference_encode_value_v1(value)
    assert _same(reference_decode_value_v1(base64.b64decode(blob)), value)
    assert _same(decode_value_v1(blob), value)
    assert _same(V1.decode({"codec": "avro", "blob": blob}), value)


# --- fuzz: anything malformed raises a PayloadError and nothing else --------------------------


def _decodes_or_payload_error(call: Any, *args: Any, **kwargs: Any) -> None:
    with contextlib.suppress(PayloadError):
        call(*args, **kwargs)


KEYS = ["codec", "blob", "x"]
HEADER = b"\xc3\x01" + VALUE_V1_FINGERPRINT
frames = (
    st.binary(max_size=64)
    | st.binary(max_size=48).map(lambda b: HEADER + b)
    | st.binary(max_size=48).map(lambda b: b"\x00" + b)
)


@settings(max_examples=400, deadline=None)
@given(frames)
def test_fuzz_random_frames(data: bytes) -> None:
    blob = base64.b64encode(data).decode()
    _decodes_or_payload_error(DEFAULT_CONVERTER.decode, blob)
    _decodes_or_payload_error(DEFAULT_CONVERTER.decode, {"codec": "avro", "blob": blob})
    _decodes_or_payload_error(decode_value_v1, blob)
    _decodes_or_payload_error(decode_wrapper, blob)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from(["avro", "json", None, "php", ""]))
def test_fuzz_random_text(blob: str, codec: str | None) -> None:
    _decodes_or_payload_error(DEFAULT_CONVERTER.decode, blob, default_codec=codec)
    _decodes_or_payload_error(DEFAULT_CONVERTER.decode, {"codec": codec, "blob": blob})
    _decodes_or_payload_error(decode_value_v1, blob)
    _decodes_or_payload_error(decode_wrapper, blob)


@settings(max_examples=150, deadline=None)
@given(
    st.recursive(
        st.none() | st.integers() | st.text(max_size=10) | st.binary(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner),
        max_leaves=8,
    )
)
def test_fuzz_random_payload_objects(payload: Any) -> None:
    _decodes_or_payload_error(DEFAULT_CONVERTER.decode, payload)


def test_deep_nesting_is_a_payload_error() -> None:
    deep = b"\x0c\x02" * 5000 + b"\x00" + b"\x00" * 5000
    with pytest.raises(PayloadDecodeError, match="nested deeper than 256 levels"):
        decode_value_v1(base64.b64encode(HEADER + deep).decode())
    text = ("[" * 100000 + "]" * 100000).encode()
    with pytest.raises(PayloadDecodeError, match="nested too deeply"):
        DEFAULT_CONVERTER.decode(text.decode(), default_codec="json")
    wrapper = b"\x00" + _varint(len(text)) + text + b"\x02"
    with pytest.raises(PayloadDecodeError, match="nested too deeply"):
        DEFAULT_CONVERTER.decode(base64.b64encode(wrapper).decode())
    nested: Any = []
    for _ in range(300):
        nested = [nested]
    assert DEFAULT_CONVERTER.decode(DEFAULT_CONVERTER.encode_blob(nested)) == nested
    with pytest.raises(PayloadError, match="nested deeper than 256 levels"):
        V1.encode_blob(nested)


def _varint(n: int) -> bytes:
    z, out = n << 1, bytearray()
    while z > 0x7F:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)
    return bytes(out)


# --- typed round trips ------------------------------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class LineItem(pydantic.BaseModel):
    sku: str
    qty: int
    price: Decimal


class Invoice(pydantic.BaseModel):
    id: uuid.UUID
    issued: dt.datetime
    due: dt.date
    color: Color
    lines: list[LineItem]
    by_sku: dict[str, LineItem]
    memo: Optional[str] = None  # noqa: UP045
    pair: tuple[int, str] = (0, "")


@dataclasses.dataclass
class Parcel:
    weight: float
    level: Level
    invoice: Invoice | None
    at: dt.time
    tags: list[str]


decimals = st.decimals(allow_nan=False, allow_infinity=False)
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
datetimes = st.datetimes(
    min_value=dt.datetime(1000, 1, 1), timezones=st.none() | st.sampled_from([dt.timezone.utc, IST])
)
line_items = st.builds(LineItem, sku=st.text(max_size=10), qty=int64, price=decimals)
invoices = st.builds(
    Invoice,
    id=st.uuids(),
    issued=datetimes,
    due=st.dates(min_value=dt.date(1000, 1, 1)),
    color=st.sampled_from(Color),
    lines=st.lists(line_items, max_size=3),
    by_sku=st.dictionaries(st.text(max_size=5), line_items, max_size=3),
    memo=st.none() | st.text(max_size=10),
    pair=st.tuples(int64, st.text(max_size=5)),
)
parcels = st.builds(
    Parcel,
    weight=finite_floats,
    level=st.sampled_from(Level),
    invoice=st.none() | invoices,
    at=st.times(),
    tags=st.lists(st.text(max_size=5), max_size=3),
)


@FAST
@given(invoices, st.sampled_from([DEFAULT_CONVERTER, V1]))
def test_pydantic_round_trip(invoice: Invoice, converter: DataConverter) -> None:
    plain = converter.decode(converter.encode_blob(invoice))
    assert from_json_compatible(plain, Invoice) == invoice


@FAST
@given(parcels, st.sampled_from([DEFAULT_CONVERTER, V1]))
def test_dataclass_round_trip(parcel: Parcel, converter: DataConverter) -> None:
    plain = converter.decode(converter.encode_blob(parcel))
    rebuilt = from_json_compatible(plain, Parcel)
    assert rebuilt == parcel
    assert math.copysign(1, rebuilt.weight) == math.copysign(1, parcel.weight)


@FAST
@given(
    st.dictionaries(st.text(max_size=5), st.lists(invoices, max_size=2), max_size=2),
    st.lists(st.none() | st.builds(uuid.UUID, st.uuids().map(str)), max_size=4),
    st.lists(st.sampled_from(Color) | datetimes, max_size=4),
)
def test_nested_generics_round_trip(
    by_key: dict[str, list[Invoice]], ids: list[uuid.UUID | None], mixed: list[Color | dt.datetime]
) -> None:
    value = {"by_key": by_key, "ids": ids, "mixed": mixed}
    plain = DEFAULT_CONVERTER.decode(DEFAULT_CONVERTER.encode_blob(value))
    assert from_json_compatible(plain["by_key"], dict[str, list[Invoice]]) == by_key
    assert from_json_compatible(plain["ids"], list[Optional[uuid.UUID]]) == ids  # noqa: UP045
    assert from_json_compatible(plain["mixed"], list[Color | dt.datetime]) == mixed


@FAST
@given(json_values)
def test_plain_json_is_untouched(value: Any) -> None:
    assert to_json_compatible(value) is value
    assert from_json_compatible(value, Any) is value


rich_keys = st.text(max_size=5) | st.sampled_from(Color) | st.sampled_from(Level)
rich_values = st.recursive(
    json_scalars | st.sampled_from(Color) | st.sampled_from(Level) | datetimes | st.uuids() | decimals,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.frozensets(int64, max_size=3)
        | st.dictionaries(rich_keys, inner, max_size=4)
        | invoices
        | parcels
    ),
    max_leaves=12,
)


def _encoded_or_error(encode: Any, value: Any) -> str:
    try:
        return str(encode(value))
    except PayloadError as exc:
        return f"{type(exc).__name__}: {exc}"


@FAST
@given(rich_values, st.sampled_from([DEFAULT_CONVERTER, V1]))
def test_one_walk_encoding_equals_converting_first(value: Any, converter: DataConverter) -> None:
    frame = encode_value_v1 if converter is V1 else encode_wrapper
    expected = _encoded_or_error(lambda v: frame(to_json_compatible(v)), value)
    assert _encoded_or_error(converter.encode_blob, value) == expected


def _outcome(decode: Any, data: bytes) -> str:
    try:
        return repr(decode(data))
    except PayloadDecodeError as exc:
        return f"error: {exc}"


def _strict_only(data: bytes) -> Any:
    def unusual(data: bytes, pos: int) -> Any:
        raise _value_v1_fast.Unusual

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_value_v1, "read_datum", unusual)
        return _value_v1.decode_value_v1_bytes(data)


@settings(max_examples=300, deadline=None)
@given(value_v1_values, st.data())
def test_quick_value_v1_reader_agrees_with_the_strict_one(value: Any, data: st.DataObject) -> None:
    frame = bytearray(_value_v1.encode_value_v1_bytes(value))
    for _ in range(data.draw(st.integers(0, 3))):  # damage a few bytes after the header (or none)
        if len(frame) > 10:
            frame[data.draw(st.integers(10, len(frame) - 1))] = data.draw(st.integers(0, 255))
    frame += data.draw(st.binary(max_size=2))
    quick = _outcome(_value_v1.decode_value_v1_bytes, bytes(frame))
    assert quick == _outcome(_strict_only, bytes(frame))
