"""The public surface: `__all__` lists exactly the public names, and they present as public."""

from __future__ import annotations

import types

import durable_workflow

#: Subpackages re-exported on purpose: `from durable_workflow import workflow, activity`.
EXPORTED_MODULES = {"activity", "workflow"}


def test_all_matches_public_names() -> None:
    public = {
        name
        for name, value in vars(durable_workflow).items()
        if not name.startswith("_")
        and not (isinstance(value, types.ModuleType) and name not in EXPORTED_MODULES)
    }
    assert set(durable_workflow.__all__) == public


def test_all_is_sorted() -> None:
    assert list(durable_workflow.__all__) == sorted(durable_workflow.__all__)


def test_public_classes_present_under_a_public_path() -> None:
    # `durable_workflow.Client`, `durable_workflow.workflow.WorkflowContext`: never a private module.
    wrong = {
        name: member.__module__
        for name in durable_workflow.__all__
        if isinstance(member := getattr(durable_workflow, name), type) and "._" in member.__module__
    }
    assert wrong == {}
