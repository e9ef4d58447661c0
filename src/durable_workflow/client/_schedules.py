"""Schedule operations of the client, and `ScheduleHandle`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from durable_workflow.client._routes import api_path, expect_object, listed
from durable_workflow.client._schedule_models import (
    OverlapPolicy,
    ScheduleAction,
    ScheduleBackfillResult,
    ScheduleDescription,
    ScheduleHistory,
    ScheduleList,
    ScheduleSpec,
    ScheduleTriggerResult,
    TimeLike,
    time_to_iso,
)

if TYPE_CHECKING:
    from durable_workflow.payloads import DataConverter


def _path(schedule_id: str, *rest: str) -> str:
    return api_path("schedules", schedule_id, *rest)


class ScheduleMixin:
    """Schedule methods of `Client` (operator or admin role on servers with role auth)."""

    converter: DataConverter

    async def _payload_converter(self) -> DataConverter:
        raise NotImplementedError

    async def _control(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        subject: str | None = None,
    ) -> Any:
        raise NotImplementedError

    async def create_schedule(
        self,
        schedule_id: str | None = None,
        *,
        spec: ScheduleSpec,
        action: ScheduleAction,
        overlap_policy: OverlapPolicy | None = None,
        jitter_seconds: int | None = None,
        paused: bool = False,
        note: str | None = None,
        max_runs: int | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
    ) -> ScheduleHandle:
        """Create a schedule (the server generates an id when ``schedule_id`` is None).

        Raises:
            ScheduleAlreadyExists: a schedule with this id exists (a deleted one's id may be reused).
            InvalidArgument: the spec or action is invalid (``.errors`` names the fields).
        """
        converter = await self._payload_converter()
        body: dict[str, Any] = {"spec": spec.to_wire(), "action": action.to_wire(converter)}
        optional = {
            "schedule_id": schedule_id,
            "overlap_policy": overlap_policy,
            "jitter_seconds": jitter_seconds,
            "max_runs": max_runs,
            "memo": dict(memo) if memo is not None else None,
            "search_attributes": dict(search_attributes) if search_attributes is not None else None,
            "paused": True if paused else None,
            "note": note,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        answer = await self._control("POST", "/schedules", json=body)
        created = expect_object(answer, "create schedule").get("schedule_id") or schedule_id
        return ScheduleHandle(self, str(created))

    def get_schedule_handle(self, schedule_id: str) -> ScheduleHandle:
        """A handle to an existing schedule (no request is made)."""
        return ScheduleHandle(self, schedule_id)

    async def list_schedules(
        self,
        *,
        status: str | None = None,
        workflow_type: str | None = None,
        query: str | None = None,
        page_size: int | None = None,
        next_page_token: str | None = None,
    ) -> ScheduleList:
        """One page of the namespace's schedules, newest first (deleted ones only on request)."""
        params = {
            "status": status,
            "workflow_type": workflow_type,
            "query": query,
            "page_size": page_size,
            "next_page_token": next_page_token,
        }
        body = expect_object(await self._control("GET", "/schedules", params=params), "list schedules")
        rows = [r for r in listed(body.get("schedules")) if isinstance(r, Mapping)]
        token = body.get("next_page_token")
        return ScheduleList(
            schedules=[ScheduleDescription.from_wire(r, self.converter) for r in rows],
            next_page_token=str(token) if token else None,
        )

    async def describe_schedule(self, schedule_id: str) -> ScheduleDescription:
        """The schedule's definition and state. Raises `ScheduleNotFound`."""
        body = await self._control("GET", _path(schedule_id), subject=f"schedule {schedule_id!r}")
        return ScheduleDescription.from_wire(expect_object(body, "describe schedule"), self.converter)

    async def update_schedule(
        self,
        schedule_id: str,
        *,
        spec: ScheduleSpec | None = None,
        action: ScheduleAction | None = None,
        overlap_policy: OverlapPolicy | None = None,
        jitter_seconds: int | None = None,
        note: str | None = None,
        max_runs: int | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
    ) -> None:
        """Change the given parts of a schedule; the next fire time is recomputed."""
        converter = await self._payload_converter()
        optional = {
            "spec": spec.to_wire() if spec is not None else None,
            "action": action.to_wire(converter) if action is not None else None,
            "overlap_policy": overlap_policy,
            "jitter_seconds": jitter_seconds,
            "note": note,
            "max_runs": max_runs,
            "memo": dict(memo) if memo is not None else None,
            "search_attributes": dict(search_attributes) if search_attributes is not None else None,
        }
        body = {k: v for k, v in optional.items() if v is not None}
        await self._control("PUT", _path(schedule_id), json=body, subject=f"schedule {schedule_id!r}")

    async def delete_schedule(self, schedule_id: str) -> None:
        """Delete a schedule; workflows it already started keep running."""
        await self._control("DELETE", _path(schedule_id), subject=f"schedule {schedule_id!r}")

    async def pause_schedule(self, schedule_id: str, *, note: str | None = None) -> None:
        """Stop firing until resumed; ``note`` replaces the schedule's note."""
        body = {"note": note} if note is not None else {}
        await self._control(
            "POST", _path(schedule_id, "pause"), json=body, subject=f"schedule {schedule_id!r}"
        )

    async def resume_schedule(self, schedule_id: str, *, note: str | None = None) -> None:
        """Fire again from now on (fires missed while paused are not made up)."""
        body = {"note": note} if note is not None else {}
        await self._control(
            "POST", _path(schedule_id, "resume"), json=body, subject=f"schedule {schedule_id!r}"
        )

    async def trigger_schedule(
        self, schedule_id: str, *, overlap_policy: OverlapPolicy | None = None
    ) -> ScheduleTriggerResult:
        """Fire once now, optionally with another overlap policy for this fire."""
        body = {"overlap_policy": overlap_policy} if overlap_policy is not None else {}
        answer = await self._control(
            "POST", _path(schedule_id, "trigger"), json=body, subject=f"schedule {schedule_id!r}"
        )
        return ScheduleTriggerResult.from_wire(expect_object(answer, "trigger schedule"), schedule_id)

    async def backfill_schedule(
        self,
        schedule_id: str,
        start_time: TimeLike,
        end_time: TimeLike,
        *,
        overlap_policy: OverlapPolicy | None = None,
    ) -> ScheduleBackfillResult:
        """Fire every occurrence with ``start_time <= t < end_time`` now, in order.

        Raises:
            InvalidArgument: ``end_time`` is not after ``start_time``, or a time is unparseable.
        """
        body: dict[str, Any] = {"start_time": time_to_iso(start_time), "end_time": time_to_iso(end_time)}
        if overlap_policy is not None:
            body["overlap_policy"] = overlap_policy
        answer = await self._control(
            "POST", _path(schedule_id, "backfill"), json=body, subject=f"schedule {schedule_id!r}"
        )
        return ScheduleBackfillResult.from_wire(expect_object(answer, "backfill schedule"), schedule_id)

    async def get_schedule_history(
        self, schedule_id: str, *, limit: int | None = None, after_sequence: int | None = None
    ) -> ScheduleHistory:
        """A page of the schedule's audit history (also for deleted schedules)."""
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1")
        if after_sequence is not None and after_sequence < 0:
            raise ValueError("after_sequence must not be negative")
        params = {"limit": limit, "after_sequence": after_sequence}
        answer = await self._control(
            "GET", _path(schedule_id, "history"), params=params, subject=f"schedule {schedule_id!r}"
        )
        return ScheduleHistory.from_wire(expect_object(answer, "schedule history"), schedule_id)


class ScheduleHandle:
    """A schedule addressed by id; get one from `Client.create_schedule` or `get_schedule_handle`."""

    __module__ = "durable_workflow"

    def __init__(self, client: ScheduleMixin, schedule_id: str) -> None:
        self._client = client
        self.schedule_id = schedule_id

    def __repr__(self) -> str:
        return f"ScheduleHandle(schedule_id={self.schedule_id!r})"

    async def describe(self) -> ScheduleDescription:
        """The schedule's definition and state (next fire, counts, recent actions)."""
        return await self._client.describe_schedule(self.schedule_id)

    async def update(
        self,
        *,
        spec: ScheduleSpec | None = None,
        action: ScheduleAction | None = None,
        overlap_policy: OverlapPolicy | None = None,
        jitter_seconds: int | None = None,
        note: str | None = None,
        max_runs: int | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
    ) -> None:
        """Change the given parts (see `Client.update_schedule`)."""
        await self._client.update_schedule(
            self.schedule_id,
            spec=spec,
            action=action,
            overlap_policy=overlap_policy,
            jitter_seconds=jitter_seconds,
            note=note,
            max_runs=max_runs,
            memo=memo,
            search_attributes=search_attributes,
        )

    async def delete(self) -> None:
        """Delete the schedule."""
        await self._client.delete_schedule(self.schedule_id)

    async def pause(self, note: str | None = None) -> None:
        """Stop firing until resumed."""
        await self._client.pause_schedule(self.schedule_id, note=note)

    async def resume(self, note: str | None = None) -> None:
        """Fire again from now on."""
        await self._client.resume_schedule(self.schedule_id, note=note)

    async def trigger(self, overlap_policy: OverlapPolicy | None = None) -> ScheduleTriggerResult:
        """Fire once now."""
        return await self._client.trigger_schedule(self.schedule_id, overlap_policy=overlap_policy)

    async def backfill(
        self, start_time: TimeLike, end_time: TimeLike, overlap_policy: OverlapPolicy | None = None
    ) -> ScheduleBackfillResult:
        """Fire every occurrence in ``[start_time, end_time)`` now."""
        return await self._client.backfill_schedule(
            self.schedule_id, start_time, end_time, overlap_policy=overlap_policy
        )

    async def history(self, limit: int | None = None, after_sequence: int | None = None) -> ScheduleHistory:
        """A page of the schedule's audit history."""
        return await self._client.get_schedule_history(
            self.schedule_id, limit=limit, after_sequence=after_sequence
        )
