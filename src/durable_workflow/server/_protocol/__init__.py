"""The dev server's protocol layer: wire bodies and query strings in, typed values out, records rendered.

Every request body passes `read_limited` (size limit while streaming) and `check_tree` (nesting,
Unicode, control characters) before any handler sees it; scalars are parsed with `strict_int` and
`digits`; responses are rendered by `SafeJSONResponse`. Anything invalid becomes a 4xx naming the
field, never an exception deeper down.
"""

from durable_workflow.server._engine._inputs import Fields as Fields
from durable_workflow.server._protocol._body import (
    IDENTIFIER_FIELDS as IDENTIFIER_FIELDS,
    BodyTooLarge as BodyTooLarge,
    check_texts as check_texts,
    check_tree as check_tree,
    read_limited as read_limited,
)
from durable_workflow.server._protocol._control import (
    history_event as history_event,
    parse_flag as parse_flag,
)
from durable_workflow.server._protocol._render import (
    SafeJSONResponse as SafeJSONResponse,
    render_json as render_json,
)
from durable_workflow.server._protocol._worker import (
    history_page_size as history_page_size,
    parse_register as parse_register,
    poll_timeout as poll_timeout,
    required_text as required_text,
)
from durable_workflow.server._scalars import (
    MAX_DEPTH as MAX_DEPTH,
    digits as digits,
    strict_int as strict_int,
    text_problem as text_problem,
)

__all__ = [
    "IDENTIFIER_FIELDS",
    "MAX_DEPTH",
    "BodyTooLarge",
    "Fields",
    "SafeJSONResponse",
    "check_texts",
    "check_tree",
    "digits",
    "history_event",
    "history_page_size",
    "parse_flag",
    "parse_register",
    "poll_timeout",
    "read_limited",
    "render_json",
    "required_text",
    "strict_int",
    "text_problem",
]
