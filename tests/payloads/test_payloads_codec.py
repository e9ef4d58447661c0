"""Codec tags, frame auto-detection, envelopes and encode-side rejections."""

from __future__ import annotations

import base64
import logging
import math
from typing import Any

import pytest

from durable_workflow.errors import PayloadConversionError, PayloadDecodeError, PayloadError
from durable_workflow.payloads import (
    DEFAULT_CONVERTER,
    DataConverter,
    decode_value_v1,
    decode_wrapper,
    encode_value_v1,
    encode_wrapper,
    framing_of,
)

V1 = DataConverter(encoding="value-v1")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _decode_error(payload: Any, **kwargs: Any) -> PayloadDecodeError:
    with pytest.raises(PayloadDecodeError) as caught:
        DEFAULT_CONVERTER.decode(payload, **kwargs)
    return caught.value


def test_default_converter_writes_the_wrapper() -> None:
    assert DEFAULT_CONVERTER.encoding == "wrapper"
    assert DEFAULT_CONVERTER.envelope(["Ada"]) == {"codec": "avro", "blob": "AA5bIkFkYSJdAg=="}
    assert V1.envelope(["Ada"]) == {"codec": "avro", "blob": "wwHioz3/VYAiNwwCCgZBZGEA"}
    assert "value-v1" in repr(V1)


def test_unknown_encoding_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="encoding"):
        DataConverter(encoding="protobuf")  # type: ignore[arg-type]


@pytest.mark.parametrize("converter", [DEFAULT_CONVERTER, V1])
def test_auto_detect_reads_both_frames(converter: DataConverter) -> None:
    value = {"greeting": "Hello", "n": 2, "list": [1.5, None, True]}
    assert converter.decode(encode_wrapper(value)) == value
    assert converter.decode(encode_value_v1(value)) == value


def test_typed_schema_frame_is_unsupported() -> None:
    error = _decode_error(_b64(b"\x01\x00\x00\x00\x02{}"))
    assert error.code == "unsupported_payload_schema"
    assert "0x01" in str(error)


@pytest.mark.parametrize("frame", [b"\x02\x00", b"\xc3\x02abcdefghij", b"\xff", b"\xc3"])
def test_unknown_prefix_is_invalid_framing(frame: bytes) -> None:
    error = _decode_error(_b64(frame))
    assert error.code == "invalid_payload_framing"
    assert "prefix" in str(error)


def test_invalid_base64() -> None:
    error = _decode_error("AAI3Ag=")
    assert error.code == "invalid_base64"
    error = _decode_error("AA I3Ag==")
    assert error.code == "invalid_base64"


def test_json_text_sent_as_avro_gets_a_hint() -> None:
    error = _decode_error({"codec": "avro", "blob": '{"a":1}'})
    assert error.code == "invalid_base64"
    assert "looks like JSON" in str(error)


def test_wrapper_decoder_ignores_trailing_bytes_and_version_like_0_4_106() -> None:
    assert DEFAULT_CONVERTER.decode(_b64(b"\x00\x02\x37\x02extra")) == 7
    assert DEFAULT_CONVERTER.decode(_b64(b"\x00\x02\x37\x04")) == 7


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        (b"\x00", "truncated json field length"),
        (b"\x00\x08nu", "truncated json field"),
        (b"\x00\x02\x37", "truncated version field"),
        (b"\x00\x02\xff\x02", "invalid UTF-8"),
        (b"\x00\x02{\x02", "not valid JSON"),
        (b"\x00\x03", "negative json field length"),
    ],
)
def test_malformed_wrapper_frames(frame: bytes, words: str) -> None:
    error = _decode_error(_b64(frame))
    assert error.code == "invalid_payload_framing"
    assert words in str(error)
    with pytest.raises(PayloadDecodeError):
        decode_wrapper(_b64(frame))


def test_explicit_paths_refuse_the_other_frame() -> None:
    with pytest.raises(PayloadDecodeError, match="prefix 0x00"):
        decode_wrapper(encode_value_v1(1))
    with pytest.raises(PayloadDecodeError, match="magic"):
        decode_value_v1(encode_wrapper(1))


def test_decoder_accepts_nan_from_old_writers() -> None:
    assert math.isnan(DEFAULT_CONVERTER.decode("AAZOYU4C"))


def test_tuple_is_encoded_like_a_list() -> None:
    assert DEFAULT_CONVERTER.encode_blob((1, 2)) == "AApbMSwyXQI="
    assert V1.encode_blob((1, 2)) == V1.encode_blob([1, 2])


def test_int_keys_are_stringified_by_the_wrapper_only() -> None:
    assert DEFAULT_CONVERTER.decode(DEFAULT_CONVERTER.encode_blob({1: "a"})) == {"1": "a"}
    with pytest.raises(PayloadConversionError, match="map key 1 is a int"):
        V1.encode_blob({1: "a"})


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, [1.0, math.nan], {"x": {"y": math.inf}}])
@pytest.mark.parametrize("converter", [DEFAULT_CONVERTER, V1])
def test_nan_and_infinity_are_rejected_on_encode(bad: Any, converter: DataConverter) -> None:
    with pytest.raises(PayloadConversionError, match="NaN"):
        converter.encode_blob(bad)


def test_value_v1_error_names_the_path() -> None:
    with pytest.raises(PayloadConversionError, match=r"value\['x'\]\[1\]: int .* signed 64-bit"):
        V1.encode_blob({"x": [1, 2**63]})
    assert V1.decode(V1.encode_blob(2**63 - 1)) == 2**63 - 1
    assert V1.decode(V1.encode_blob(-(2**63))) == -(2**63)


def test_big_ints_are_exact_in_the_wrapper() -> None:
    assert DEFAULT_CONVERTER.decode(DEFAULT_CONVERTER.encode_blob(2**70)) == 2**70


def test_bytes_need_value_v1() -> None:
    with pytest.raises(PayloadConversionError, match="value-v1"):
        DEFAULT_CONVERTER.encode_blob(b"\x00\xff")
    assert V1.decode(V1.encode_blob({"raw": b"\x00\xff"})) == {"raw": b"\x00\xff"}


def test_unencodable_strings_are_conversion_errors() -> None:
    for converter in (DEFAULT_CONVERTER, V1):
        with pytest.raises(PayloadConversionError, match="Unicode"):
            converter.encode_blob("\ud800")
        with pytest.raises(PayloadConversionError):
            converter.encode_blob({"\ud800": 1})


def test_cycles_are_conversion_errors() -> None:
    loop: list[Any] = []
    loop.append(loop)
    for converter in (DEFAULT_CONVERTER, V1):
        with pytest.raises(PayloadConversionError):
            converter.encode_blob(loop)


def test_unicode_and_slashes_are_raw_in_the_wrapper() -> None:
    blob = DEFAULT_CONVERTER.encode_blob("a/é\u2028")
    assert base64.b64decode(blob)[2:-1].decode() == '"a/é\u2028"'


# --- codec tags and envelopes -------------------------------------------------------------------


def test_none_payloads_decode_to_none() -> None:
    assert DEFAULT_CONVERTER.decode(None) is None
    assert DEFAULT_CONVERTER.decode("") is None
    assert DEFAULT_CONVERTER.decode_blob(None) is None
    assert DEFAULT_CONVERTER.decode({"codec": "avro", "blob": None}) is None


def test_json_codec() -> None:
    assert DEFAULT_CONVERTER.decode({"codec": "json", "blob": '{"a":[1,2.5,null]}'}) == {"a": [1, 2.5, None]}
    assert DEFAULT_CONVERTER.decode('["Ada"]', default_codec="json") == ["Ada"]
    assert DEFAULT_CONVERTER.decode_blob("7", "json") == 7
    error = _decode_error({"codec": "json", "blob": "{nope"})
    assert error.code == "invalid_payload_framing"
    assert "not valid JSON" in str(error)


def test_envelope_codec_wins_over_the_default() -> None:
    assert DEFAULT_CONVERTER.decode({"codec": "avro", "blob": "AAI3Ag=="}, default_codec="json") == 7
    assert DEFAULT_CONVERTER.decode({"codec": "json", "blob": "7"}, default_codec="avro") == 7
    # A null codec inside an envelope falls back to the caller's default.
    assert DEFAULT_CONVERTER.decode({"codec": None, "blob": "7"}, default_codec="json") == 7


def test_unknown_codec_means_guess() -> None:
    assert DEFAULT_CONVERTER.decode("AAI3Ag==", default_codec=None) == 7
    assert DEFAULT_CONVERTER.decode("wwHioz3/VYAiNwQO", default_codec=None) == 7
    assert DEFAULT_CONVERTER.decode('{"a":1}', default_codec=None) == {"a": 1}
    assert DEFAULT_CONVERTER.decode_blob("[1]", None) == [1]
    assert DEFAULT_CONVERTER.decode_blob("AAI3Ag==", "") == 7


def test_unsupported_codec() -> None:
    error = _decode_error({"codec": "workflow-serializer-y", "blob": "abc"})
    assert error.code == "unsupported_payload_codec"
    assert "workflow-serializer-y" in str(error)


def test_external_storage_reference_is_not_supported_yet() -> None:
    reference = {
        "schema": "durable-workflow.v2.external-payload-reference.v1",
        "uri": "s3://bucket/key",
        "sha256": "0" * 64,
        "size_bytes": 10,
        "codec": "avro",
    }
    error = _decode_error({"codec": "avro", "external_storage": reference})
    assert error.code == "unsupported_external_storage"
    assert "not supported" in str(error)


@pytest.mark.parametrize(
    "payload",
    [{"codec": "avro"}, {"blob": "AAI3Ag=="}, {"codec": "avro", "blob": "AA==", "x": 1}, {}, 7, [1], b"AA"],
)
def test_non_envelopes_are_rejected(payload: Any) -> None:
    error = _decode_error(payload)
    assert error.code == "invalid_payload_framing"


def test_non_string_blob_is_rejected() -> None:
    with pytest.raises(PayloadDecodeError, match="blob must be a str"):
        DEFAULT_CONVERTER.decode({"codec": "avro", "blob": 7})


def test_errors_are_value_errors() -> None:
    assert issubclass(PayloadDecodeError, PayloadError)
    assert issubclass(PayloadConversionError, ValueError)


def test_payloads_near_the_server_limit_are_logged_not_refused(caplog: pytest.LogCaptureFixture) -> None:
    converter = DataConverter()
    with caplog.at_level(logging.WARNING, logger="durable_workflow.serializer"):
        converter.encode_blob("x" * 1000)
        assert caplog.records == []
        blob = converter.encode_blob("x" * 1_400_000)
    assert converter.decode_blob(blob) == "x" * 1_400_000
    (record,) = caplog.records
    details = record.__dict__["durable_workflow_payload"]
    assert details["payload_size"] == len(blob) > details["threshold_bytes"]
    assert details["limit_bytes"] == 2 * 1024 * 1024


@pytest.mark.parametrize(
    ("payload", "frame"),
    [
        (encode_wrapper(["Ada"]), "wrapper"),
        (encode_value_v1(["Ada"]), "value-v1"),
        ({"codec": "avro", "blob": encode_value_v1(None)}, "value-v1"),
        ({"codec": "avro", "blob": encode_wrapper({})}, "wrapper"),
        ({"codec": "json", "blob": encode_wrapper(1)}, None),  # another codec: no avro frame
        ('["Ada"]', None),  # JSON text
        ("AQ==", None),  # 0x01 typed-schema frame
        ("", None),
        ("ww", None),  # too short to tell
        ("not base64!", None),
        (None, None),
        (42, None),
    ],
)
def test_framing_of_tells_the_frame_from_the_first_bytes(payload: Any, frame: str | None) -> None:
    assert framing_of(payload) == frame
