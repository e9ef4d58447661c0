"""The discovery document (`GET /api/cluster/info`) and the worker-plane capabilities object."""

from __future__ import annotations

import socket
from typing import Any

from durable_workflow.server._engine import EngineConfig
from durable_workflow.server._engine._command_table import ADVERTISED

__all__ = [
    "CONTROL_PLANE_VERSION",
    "SEED_WORKER_PROTOCOL_VERSION",
    "WORKER_PROTOCOL_VERSION",
    "advertised_protocol",
    "cluster_info",
    "is_current_request",
    "server_capabilities",
]

#: The worker protocol the server advertises; it accepts every 1.x request up to it.
WORKER_PROTOCOL_VERSION = "1.20"
#: What a server pinned to the seed generation advertises (and the newest it then accepts).
SEED_WORKER_PROTOCOL_VERSION = "1.1"
CONTROL_PLANE_VERSION = "2"
SERVER_VERSION = "2.0.0-dev"

_COMMANDS = list(ADVERTISED)  # from the engine's command table, never a separate list


def advertised_protocol(config: EngineConfig) -> str:
    """The worker protocol version this server advertises and echoes."""
    return SEED_WORKER_PROTOCOL_VERSION if config.wire_generation == "seed" else WORKER_PROTOCOL_VERSION


def is_current_request(version: str | None) -> bool:
    """Does a request of worker protocol ``version`` expect the current generation's shapes (1.2+)?"""
    major, _, minor = (version or "").partition(".")
    return major == "1" and minor.isdigit() and int(minor) >= 2


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def server_capabilities(config: EngineConfig) -> dict[str, Any]:
    """The worker-plane capabilities: what this server does, and false for what it does not."""
    current = config.wire_generation != "seed"
    commands = [*_COMMANDS, "open_condition_wait"] if current else list(_COMMANDS)
    extra: dict[str, Any] = {"update_validation_tasks": False} if current else {}
    return {
        "long_poll_timeout": _number(config.long_poll_timeout),
        "supported_workflow_task_commands": commands,
        "workflow_task_poll_request_idempotency": True,
        "history_page_size_default": 500,
        "history_page_size_max": 1000,
        "query_tasks": True,
        "activity_retry_policy": True,
        "activity_timeouts": True,
        "child_workflow_retry_policy": True,
        "child_workflow_timeouts": True,
        "parent_close_policy": True,
        "non_retryable_failures": True,
        "response_compression": [],
        **extra,
    }


def _request_contract() -> dict[str, Any]:
    return {
        "schema": "durable-workflow.v2.control-plane-request.contract",
        "version": 1,
        "operations": {
            "list": {
                "fields": {
                    "status": {
                        "canonical_values": ["running", "completed", "failed"],
                        "rejected_aliases": {
                            "cancelled": "failed",
                            "terminated": "failed",
                            "pending": "running",
                            "waiting": "running",
                        },
                    }
                }
            },
            "start": {
                "fields": {
                    "duplicate_policy": {
                        "canonical_values": ["fail", "use-existing"],
                        "rejected_aliases": {"use_existing": "use-existing"},
                    },
                    "execution_timeout_seconds": {"type": "integer", "min": 1},
                    "run_timeout_seconds": {"type": "integer", "min": 1},
                    "payload_codec": {
                        "type": "string",
                        "canonical_values": ["avro"],
                        "description": "Codec of the input envelope.",
                    },
                },
                "unsupported_fields": [
                    "workflow_execution_timeout",
                    "workflow_run_timeout",
                    "workflow_task_timeout",
                    "retry_policy",
                    "idempotency_key",
                    "request_id",
                ],
            },
            "update": {
                "fields": {"wait_for": {"canonical_values": ["accepted", "completed"]}},
                "removed_fields": {"wait_policy": "Use wait_for."},
            },
        },
    }


def _auth_contract() -> dict[str, Any]:
    return {
        "schema": "durable-workflow.v2.auth-composition.contract",
        "version": 1,
        "precedence": {
            "connection_values": ["flag", "environment", "selected_profile", "default"],
            "profile_selection": ["flag_env", "DW_ENV", "current_profile", "default_profile"],
        },
        "canonical_environment": {
            "server_url": "DURABLE_WORKFLOW_SERVER_URL",
            "namespace": "DURABLE_WORKFLOW_NAMESPACE",
            "auth_token": "DURABLE_WORKFLOW_AUTH_TOKEN",
            "tls_verify": "DURABLE_WORKFLOW_TLS_VERIFY",
            "profile": "DW_ENV",
        },
        "auth_material": {
            "token": {"status": "supported", "effective_config_value": "redacted"},
            "mtls": {"status": "reserved"},
            "signed_headers": {"status": "reserved"},
        },
        "effective_config": {
            "required_fields": ["server_url", "namespace", "profile", "auth", "tls", "identity"]
        },
        "redaction": {"never_echo": ["bearer_tokens", "private_keys", "raw_authorization_headers"]},
    }


def cluster_info(config: EngineConfig, max_body_bytes: int) -> dict[str, Any]:
    flags = [
        "workflow_tasks",
        "activity_tasks",
        "signals",
        "queries",
        "updates",
        "search_attributes",
        "history_export",
        "continue_as_new",
        "child_workflows",
        "activity_timeouts",
        "activity_retry_policy",
        "child_workflow_retry_policy",
        "child_workflow_timeouts",
        "parent_close_policy",
        "non_retryable_failures",
        "payload_codec_envelope",
        "payload_codec_envelope_responses",
    ]
    return {
        "server_id": socket.gethostname(),
        "version": SERVER_VERSION,
        "default_namespace": config.default_namespace,
        "supported_sdk_versions": {"php": ">=1.0", "python": ">=0.2", "cli": ">=0.1,<1.0"},
        "capabilities": {
            **dict.fromkeys(flags, True),
            "payload_codecs": ["avro"],
            "response_compression": [],
        },
        "limits": {
            "max_payload_bytes": max_body_bytes,
            "max_memo_bytes": 262144,
            "max_search_attributes": 100,
            "max_search_attribute_key_length": 128,
            "max_search_attribute_value_bytes": 2048,
            "max_operation_name_length": 256,
        },
        "auth_composition_contract": _auth_contract(),
        "control_plane": {
            "version": CONTROL_PLANE_VERSION,
            "header": "X-Durable-Workflow-Control-Plane-Version",
            "request_contract": _request_contract(),
        },
        "worker_protocol": {
            "version": advertised_protocol(config),
            "server_capabilities": server_capabilities(config),
        },
    }
