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
from durable_workflow.server._protocol._replies import (
    render_command as render_command,
    render_query as render_query,
    render_run as render_run,
    render_run_list as render_run_list,
    render_run_summary as render_run_summary,
    render_start as render_start,
    render_update as render_update,
    render_workflow_list as render_workflow_list,
)
from durable_workflow.server._protocol._requests import (
    ListRequest as ListRequest,
    QueryRequest as QueryRequest,
    SignalRequest as SignalRequest,
    StartRequest as StartRequest,
    StopRequest as StopRequest,
    UpdateRequest as UpdateRequest,
    parse_list as parse_list,
    parse_query as parse_query,
    parse_signal as parse_signal,
    parse_start as parse_start,
    parse_stop as parse_stop,
    parse_update as parse_update,
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
    "ListRequest",
    "MAX_DEPTH",
    "BodyTooLarge",
    "Fields",
    "QueryRequest",
    "SafeJSONResponse",
    "SignalRequest",
    "StartRequest",
    "StopRequest",
    "UpdateRequest",
    "check_texts",
    "check_tree",
    "digits",
    "history_event",
    "history_page_size",
    "parse_flag",
    "parse_list",
    "parse_query",
    "parse_register",
    "parse_signal",
    "parse_start",
    "parse_stop",
    "parse_update",
    "poll_timeout",
    "read_limited",
    "render_command",
    "render_json",
    "render_query",
    "render_run",
    "render_run_list",
    "render_run_summary",
    "render_start",
    "render_update",
    "render_workflow_list",
    "required_text",
    "strict_int",
    "text_problem",
]
