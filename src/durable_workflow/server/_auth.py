"""Auth drivers: ``none``, ``token`` (one shared token) and ``roles`` (admin/operator/worker tokens).

Both token drivers follow server 0.2.10's ``token`` driver: a role token grants exactly that role
(roles do not nest); the shared token grants full access when no role tokens are configured, and is
a plain ``admin`` token otherwise.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

__all__ = ["Auth", "FULL_ACCESS"]

FULL_ACCESS = "*"
DRIVERS = ("none", "token", "roles")


@dataclass(frozen=True)
class Auth:
    driver: str = "none"
    token: str | None = None
    admin_token: str | None = None
    operator_token: str | None = None
    worker_token: str | None = None

    def __post_init__(self) -> None:
        if self.driver not in DRIVERS:
            raise ValueError(f"auth driver must be one of {', '.join(DRIVERS)}, not {self.driver!r}")
        if self.driver == "token" and not self.token:
            raise ValueError("auth driver 'token' needs a token (--token or DW_AUTH_TOKEN)")
        if self.driver == "roles" and not (self.admin_token or self.operator_token or self.worker_token):
            raise ValueError("auth driver 'roles' needs at least one of the admin/operator/worker tokens")
        tokens = (self.token, self.admin_token, self.operator_token, self.worker_token)
        if any(t is not None and not t.isascii() for t in tokens):
            raise ValueError("auth tokens must be ASCII (they travel in an HTTP header)")

    def role_for(self, authorization: str | None) -> str | None:
        """The caller's role (`FULL_ACCESS` for unrestricted), or None when unauthenticated."""
        if self.driver == "none":
            return FULL_ACCESS
        presented = ""
        if authorization and authorization[:7].lower() == "bearer ":
            presented = authorization[7:].strip()
        # A token that cannot be ASCII cannot match (and compare_digest refuses non-ASCII text).
        if not presented or not presented.isascii():
            return None
        for role, token in (
            ("worker", self.worker_token),
            ("operator", self.operator_token),
            ("admin", self.admin_token),
        ):
            if token and hmac.compare_digest(presented, token):
                return role
        if self.token and hmac.compare_digest(presented, self.token):
            has_roles = bool(self.worker_token or self.operator_token or self.admin_token)
            return "admin" if has_roles else FULL_ACCESS
        return None
