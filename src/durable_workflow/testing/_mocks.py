"""Activity mocks: a stand-in registered under the real activity's name."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, cast

from durable_workflow import activity

__all__ = ["ActivityMock", "activity_list", "mock_activity"]


class ActivityMock(Protocol):
    """An activity function made by `mock_activity`; ``calls`` records each call's arguments."""

    calls: list[tuple[Any, ...]]

    def __call__(self, *args: Any) -> Any: ...


def _activity_name(target: str | Callable[..., Any]) -> str:
    if isinstance(target, str):
        if not target.strip():
            raise ValueError("an activity name must not be blank")
        return target
    return activity.get_definition(target).name


def mock_activity(
    target: str | Callable[..., Any],
    impl: Callable[..., Any] | None = None,
    *,
    returns: Any = None,
    raises: BaseException | None = None,
) -> ActivityMock:
    """An activity registered under ``target``'s name that runs ``impl`` instead.

    ``target`` is an ``@activity.defn`` function (its name and argument types are reused, so
    arguments decode exactly as for the real one) or an activity type name. Without ``impl`` the
    mock returns ``returns``, or raises ``raises``. Every call's arguments land in ``.calls``.
    """
    name = _activity_name(target)
    calls: list[tuple[Any, ...]] = []
    typed_like = impl if isinstance(target, str) else target

    def record(args: tuple[Any, ...]) -> None:
        calls.append(args)
        if impl is None and raises is not None:
            raise raises

    if impl is not None and not inspect.iscoroutinefunction(impl):
        sync_impl = impl

        def run_sync(*args: Any) -> Any:
            record(args)
            return sync_impl(*args)

        fn: Callable[..., Any] = run_sync
    else:

        async def run_async(*args: Any) -> Any:
            record(args)
            if impl is None:
                return returns
            return await impl(*args)

        fn = run_async
    if typed_like is not None:
        fn = _copy_signature(fn, typed_like)
    fn.calls = calls  # type: ignore[attr-defined]
    return cast(ActivityMock, activity.defn(name=name)(fn))


def _copy_signature(fn: Callable[..., Any], source: Callable[..., Any]) -> Callable[..., Any]:
    """Give ``fn`` the signature and annotations of ``source`` (used to decode typed arguments)."""
    functools.update_wrapper(fn, source, updated=())
    return fn


def activity_list(
    activities: Iterable[Callable[..., Any]] | Mapping[str, Any],
) -> list[Callable[..., Any]]:
    """Normalise ``activities``: a mapping of name to implementation (or fixed result) becomes mocks."""
    if not isinstance(activities, Mapping):
        return list(activities)
    out: list[Callable[..., Any]] = []
    for name, impl in activities.items():
        if callable(impl):
            out.append(mock_activity(name, impl))
        else:
            out.append(mock_activity(name, returns=impl))
    return out
