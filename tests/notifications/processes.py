"""Real processes for end-to-end tests: an SMTP sink on loopback and Celery worker/beat against the test database.

The worker and beat are the production commands (`celery -A ganzhou_projects worker|beat`) with the environment
pointed at pytest-django's test database, a Redis database index of their own and the SMTP sink.
"""

import email
import email.policy
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

CELERY = str(Path(sys.executable).parent / "celery")


@dataclass
class Mail:
    recipients: list[str]
    subject: str
    body: str


@dataclass
class SmtpSink:
    """aiosmtpd handler keeping every message it accepts, with its RFC 2047 subject decoded."""

    messages: list[Mail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        mail = Mail(
            recipients=[r.lower() for r in envelope.rcpt_tos],
            subject=str(message["Subject"]).strip(),
            body=body.get_content() if body is not None else "",
        )
        with self.lock:
            self.messages.append(mail)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Mail]:
        with self.lock:
            return [m for m in self.messages if address.lower() in m.recipients]


class _AnyPortController(Controller):
    """A Controller on a port the kernel picks (port=0), so parallel test runs never collide."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def smtp_server():
    """An SMTP server on 127.0.0.1; yields (sink, port)."""
    sink = SmtpSink()
    controller = _AnyPortController(sink, hostname="127.0.0.1", port=0)
    log = logging.getLogger("mail.log")  # aiosmtpd logs every SMTP command at INFO
    level = log.level
    log.setLevel(logging.WARNING)
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()
        log.setLevel(level)


def redis_db_index() -> int:
    """A Redis database per xdist worker, so concurrent test files never take each other's tasks."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return 10
    return min(11 + int(worker[2:]), 15)


def redis_url() -> str:
    """The Redis of `make test` (REDIS_URL), on this test process's own database index."""
    base = urlsplit(settings.REDIS_URL or "redis://127.0.0.1:6379/0")
    return urlunsplit((base.scheme, base.netloc, f"/{redis_db_index()}", "", ""))


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def database_url() -> str:
    """The test database pytest-django created (test_<name>, test_<name>_gwN under xdist), as a URL."""
    db = connection.settings_dict
    assert db["ENGINE"] == "django.db.backends.postgresql", (
        "end-to-end tests need PostgreSQL (DATABASE_URL): the worker is another process and cannot see "
        "an in-memory SQLite test database"
    )
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def celery_env(*, smtp_port: int, broker: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="ganzhou_projects.settings",
        DATABASE_URL=database_url(),
        REDIS_URL=broker,
        CELERY_TASK_ALWAYS_EAGER="0",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="0",
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class CeleryProcesses:
    """Celery processes started for one test; each writes its output to a file for diagnosis."""

    def __init__(self, directory: Path, env: dict[str, str]):
        self.directory = directory
        self.env = env
        self.started: list[tuple[str, subprocess.Popen, Path]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = self.directory / f"{name}.log"
        with log.open("wb") as out:
            # A session of its own: stopping it also stops a prefork worker's pool children.
            process = subprocess.Popen(
                [CELERY, "-A", "ganzhou_projects", *args],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((name, process, log))
        return process

    def worker(self, name: str = "worker", *, pool: str = "solo") -> subprocess.Popen:
        return self.start(
            name,
            "worker",
            "--loglevel=INFO",
            f"--pool={pool}",
            "--concurrency=1",
            f"--hostname={name}-{redis_db_index()}@%h",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        )

    def beat(self) -> subprocess.Popen:
        return self.start(
            "beat", "beat", "--loglevel=INFO", f"--schedule={self.directory / 'beat-schedule'}", "--max-interval=1"
        )

    def output(self) -> str:
        return "\n".join(
            f"===== {name} (exit {p.poll()}) =====\n{log.read_text(errors='replace')}" for name, p, log in self.started
        )

    def stop(self, timeout: float = 10) -> None:
        for _name, process, _log in self.started:
            if process.poll() is None:
                process.terminate()  # warm shutdown: the main process stops its own pool
        deadline = time.monotonic() + timeout
        for _name, process, _log in self.started:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(5)
            # Whatever is left of its session, e.g. pool processes of a killed parent.
            _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


@contextmanager
def celery_processes(directory: Path, env: dict[str, str]):
    """Yields CeleryProcesses; stops them all at the end and prints their output if the test failed."""
    processes = CeleryProcesses(directory, env)
    flush_redis(env["REDIS_URL"])
    try:
        yield processes
    except BaseException:
        processes.stop()
        print(processes.output())  # pytest shows it under the failing test
        raise
    else:
        processes.stop()
    finally:
        flush_redis(env["REDIS_URL"])


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (a prefork worker's pool processes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may contain spaces, so split after its closing parenthesis.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.2):
    """Poll until `condition()` is truthy and return its value; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
