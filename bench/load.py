"""The load test's environment: what a `Load` case's `run(env)` is given (see bench/api.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .http import Session


@dataclass
class LoadEnv:
    base_url: str
    ctx: object
    pages: list = field(default_factory=list)  # the Page cases marked in_load (DRC users read them)
    users: int = 50
    seconds: int = 60

    def session(self, username: str) -> Session:
        session = Session(self.base_url, timeout=60)
        session.login(username)
        return session
