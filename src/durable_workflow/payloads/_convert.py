"""The converter: rich Python values to JSON-compatible data and back, via pydantic `TypeAdapter`."""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import inspect
from typing import Any

import pydantic
from pydantic.dataclasses import is_pydantic_dataclass
from pydantic_core import PydanticSerializationError

from durable_workflow.errors import PayloadConversionError

__all__ = ["from_json_compatible", "is_untyped", "to_json_compatible"]

_SCALARS: frozenset[type] = frozenset({str, int, float, bool, type(None)})
# Annotations that mean "give me the plain JSON value", which is what PHP sends and expects.
_UNTYPED: frozenset[Any] = frozenset({Any, object, dict, list, inspect.Parameter.empty})
_MAX_REPORTED_ERRORS = 5
# Raised (possibly lazily, on first use) when pydantic cannot build a schema for a type.
_PYDANTIC_SETUP_ERRORS = (pydantic.PydanticUserError, pydantic.PydanticUndefinedAnnotation)


def to_json_compatible(value: Any) -> Any:
    """Return `value` as JSON-compatible data (dicts, lists, str, int, float, bool, None).

    Plain JSON data is returned as the same object; containers are copied only where something
    inside them changed. Pydantic models and dataclasses become dicts (models keyed by their
    field aliases, without computed fields: the form they validate from), enums their values,
    datetimes ISO-8601 strings, UUID/Decimal strings, tuples/sets lists (sets sorted when their
    items allow it, so the encoding is deterministic). ``bytes`` are left as they are: the
    Value v1 encoding carries them, the wrapper encoding rejects them.
    """
    try:
        return _convert(value)
    except RecursionError:
        raise PayloadConversionError("value is nested too deeply or contains a cycle") from None


def _convert(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list:
        return _convert_list(value)
    if kind is dict:
        return _convert_dict(value)
    return _convert_other(value)


def _convert_list(items: list[Any]) -> list[Any]:
    out: list[Any] | None = None
    for index, item in enumerate(items):
        converted = _convert(item)
        if out is not None:
            out.append(converted)
        elif converted is not item:
            out = [*items[:index], converted]
    return items if out is None else out


def _convert_key(key: Any) -> Any:
    """A dict key as JSON can hold it: a string, or a scalar that JSON text writes as a string."""
    converted = _convert(key)
    if converted is None or isinstance(converted, (str, int, float, bool)):
        return converted
    raise PayloadConversionError(
        f"dict key {key!r} cannot be a JSON object key (use a string, number, bool or None)"
    )


def _convert_dict(mapping: dict[Any, Any]) -> dict[Any, Any]:
    out: dict[Any, Any] | None = None
    for index, (key, item) in enumerate(mapping.items()):
        new_key = key if type(key) is str else _convert_key(key)
        converted = _convert(item)
        if out is not None:
            out[new_key] = converted
        elif converted is not item or new_key is not key:
            out = dict(list(mapping.items())[:index])
            out[new_key] = converted
    return mapping if out is None else out


def _convert_other(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, enum.Enum):
        return _convert(value.value)
    if isinstance(value, dict):
        return _convert_dict(value)
    if isinstance(value, (list, tuple)):
        return [_convert(item) for item in value]
    if isinstance(value, (set, frozenset)):
        items = [_convert(item) for item in value]
        with contextlib.suppress(TypeError):  # mixed types: keep iteration order
            items.sort()
        return items
    for base in (str, int, float):
        if isinstance(value, base):
            return base(value)
    if dataclasses.is_dataclass(value) and not is_pydantic_dataclass(type(value)):
        # Walked by hand: pydantic would need the field annotations resolvable, which fails for
        # dataclasses defined inside functions under `from __future__ import annotations`.
        return {field.name: _convert(getattr(value, field.name)) for field in dataclasses.fields(value)}
    return _dump_with_pydantic(value)


def _dump_with_pydantic(value: Any) -> Any:
    kind = type(value)
    try:
        # By alias and in round-trip form (computed fields left out), exactly as pydantic's own
        # JSON round trip does: what is written here validates back, and matches the schema.
        if isinstance(value, pydantic.BaseModel):
            return value.model_dump(mode="json", by_alias=True, round_trip=True)
        return _adapter_for(kind).dump_python(value, mode="json", by_alias=True, round_trip=True)
    except _PYDANTIC_SETUP_ERRORS:
        raise PayloadConversionError(
            f"cannot convert {kind.__module__}.{kind.__qualname__} to JSON; use a pydantic model, "
            "a dataclass, an enum, a datetime, UUID, Decimal, or plain dicts and lists"
        ) from None
    except (PydanticSerializationError, ValueError, TypeError) as exc:
        raise PayloadConversionError(f"cannot convert {kind.__qualname__} to JSON: {exc}") from None


@functools.lru_cache(maxsize=1024)
def _adapter(annotation: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(annotation)


def _adapter_for(annotation: Any) -> pydantic.TypeAdapter[Any]:
    try:
        hash(annotation)
    except TypeError:  # e.g. Annotated with unhashable metadata: build it uncached
        return pydantic.TypeAdapter(annotation)
    return _adapter(annotation)


def is_untyped(annotation: Any) -> bool:
    """True when an annotation asks for the plain JSON value (Any, object, dict, list, none)."""
    try:
        return annotation in _UNTYPED
    except TypeError:  # unhashable annotation objects
        return False


def from_json_compatible(value: Any, annotation: Any, *, where: str = "") -> Any:
    """Rebuild `annotation` from a decoded JSON value.

    `where` prefixes error messages, e.g. ``"activity 'charge' parameter 'order'"``; failures
    raise `PayloadConversionError` naming it and each failing field.
    """
    if is_untyped(annotation):
        return value
    try:
        return _adapter_for(annotation).validate_python(value)
    except pydantic.ValidationError as exc:
        raise PayloadConversionError(_describe(exc, where)) from None
    except _PYDANTIC_SETUP_ERRORS as exc:
        prefix = f"{where}: " if where else ""
        reason = str(exc).split("\n", 1)[0]
        raise PayloadConversionError(f"{prefix}cannot rebuild type {annotation!r}: {reason}") from None


def _describe(exc: pydantic.ValidationError, where: str) -> str:
    errors = exc.errors(include_url=False)
    parts = []
    for error in errors[:_MAX_REPORTED_ERRORS]:
        loc = ".".join(str(part) for part in error["loc"])
        parts.append(f"field '{loc}': {error['msg']}" if loc else error["msg"])
    if len(errors) > _MAX_REPORTED_ERRORS:
        parts.append(f"and {len(errors) - _MAX_REPORTED_ERRORS} more errors")
    prefix = f"{where}: " if where else ""
    return prefix + "; ".join(parts)
