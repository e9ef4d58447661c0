"""Payloads: one converter for rich Python values, one codec (``avro``) that frames them.

Encoding writes the generic wrapper frame by default (``DataConverter(encoding="value-v1")``
writes the newer ``Value`` v1 frame); decoding reads both, plus the ``json`` codec.
"""

from __future__ import annotations

from durable_workflow.payloads._codec import (
    DEFAULT_CONVERTER,
    DataConverter,
    Encoding,
    decode_value_v1,
    decode_wrapper,
    encode_value_v1,
    encode_wrapper,
    framing_of,
)
from durable_workflow.payloads._convert import from_json_compatible, is_untyped, to_json_compatible
from durable_workflow.payloads._signature import (
    DEFAULT,
    bind_arguments,
    check_wire_signature,
    decode_arguments,
    decode_result,
    result_type,
    trim_defaults,
)
from durable_workflow.payloads._value_v1 import VALUE_V1_FINGERPRINT

__all__ = [
    "DEFAULT",
    "DEFAULT_CONVERTER",
    "DataConverter",
    "Encoding",
    "VALUE_V1_FINGERPRINT",
    "bind_arguments",
    "check_wire_signature",
    "decode_arguments",
    "decode_result",
    "decode_value_v1",
    "decode_wrapper",
    "encode_value_v1",
    "encode_wrapper",
    "framing_of",
    "from_json_compatible",
    "is_untyped",
    "result_type",
    "to_json_compatible",
    "trim_defaults",
]
