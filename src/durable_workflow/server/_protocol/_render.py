"""Wire bodies: JSON responses that render whatever the engine holds.

A value that UTF-8 cannot encode (a lone surrogate in a record written by an older server) is
escaped instead of failing the response; anything nested deeper than the renderer can walk is cut
at `MAX_RENDER_DEPTH`. No stored value can make a later response fail.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse

try:  # the `server` extra installs orjson: about 5x faster than json.dumps on engine records
    import orjson
except ImportError:  # pragma: no cover - exercised only without the extra
    orjson = None  # type: ignore[assignment]

__all__ = ["MAX_RENDER_DEPTH", "SafeJSONResponse", "render_json"]

MAX_RENDER_DEPTH = 200


def render_json(content: Any) -> bytes:
    """Compact UTF-8 JSON; falls back to ASCII escapes or a depth cut rather than failing."""
    if orjson is not None:
        try:
            return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
        except (orjson.JSONEncodeError, ValueError):
            pass  # lone surrogates, NaN, too deep, ints past 64 bits: the exact path below decides
    try:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode()
    except (RecursionError, ValueError):
        return json.dumps(_cut(content, 0), separators=(",", ":")).encode()


def _cut(value: Any, depth: int) -> Any:
    if (isinstance(value, float) and value != value) or value in (float("inf"), float("-inf")):
        return None
    if not isinstance(value, (dict, list)):
        return value
    if depth >= MAX_RENDER_DEPTH:
        return None
    if isinstance(value, dict):
        return {k: _cut(v, depth + 1) for k, v in value.items()}
    return [_cut(v, depth + 1) for v in value]


class SafeJSONResponse(JSONResponse):
    """A `JSONResponse` rendered with `render_json`."""

    def render(self, content: Any) -> bytes:
        return render_json(content)
