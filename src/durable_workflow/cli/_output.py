"""Printing answers: rich tables for people, exact and stable JSON for scripts.

Every value that came from the server is wrapped in `rich.text.Text`, so workflow data that
looks like console markup (``[bold]``) is printed as it is.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["cell", "console", "print_fields", "print_json", "print_table", "to_jsonable"]


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def to_jsonable(value: Any) -> Any:
    """Dataclasses, datetimes and mappings as plain JSON values (datetimes as ISO 8601)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value) if f.repr}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    """Sorted keys, two-space indent, UTF-8: the same answer always prints the same text."""
    text = json.dumps(to_jsonable(value), indent=2, sort_keys=True, ensure_ascii=False)
    console().out(text, highlight=False)


def cell(value: Any) -> Text:
    """One table cell: strings as they are, other values as compact JSON, None as blank."""
    if value is None:
        return Text("")
    if isinstance(value, datetime):
        return Text(value.strftime("%Y-%m-%d %H:%M:%S"))
    if isinstance(value, str):
        return Text(value)
    return Text(json.dumps(to_jsonable(value), ensure_ascii=False, sort_keys=True))


def print_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str | None = None) -> None:
    table = Table(*columns, title=title, title_justify="left", header_style="bold")
    for row in rows:
        table.add_row(*(cell(v) for v in row))
    console().print(table)


def print_fields(pairs: Iterable[tuple[str, Any]], *, title: str | None = None) -> None:
    """A two-column table of field names and values (blank values are left out)."""
    table = Table(show_header=False, title=title, title_justify="left", box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold")
    table.add_column()
    for name, value in pairs:
        if value not in (None, "", [], {}):
            table.add_row(Text(name), cell(value))
    console().print(table)
