"""gunicorn on a free loopback port, started and stopped by the harness."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict[str, str], *, workers: int, threads: int, log_path: Path):
        self.env, self.workers, self.threads, self.log_path = env, workers, threads, log_path
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn),
            "ganzhou_projects.wsgi:application",
            "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),  # production's, with the bench's port
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--threads", str(self.threads),
            "--timeout", "120",
            "--backlog", "256",
        ]  # fmt: skip
        self.log = open(self.log_path, "w")  # closed in __exit__
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            command, cwd=ROOT, env={**os.environ, **self.env}, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /healthz within 60 s; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Worker:
    """A Celery worker as production runs one (`celery -A ganzhou_projects worker`), for `--celery-broker`.

    Its broker's queue is emptied first: a task left there by an earlier run was for a database state gone.
    """

    def __init__(self, env: dict[str, str], *, log_path: Path):
        self.env, self.log_path = env, log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Worker:
        celery = str(Path(sys.executable).with_name("celery"))
        env = {**os.environ, **self.env}
        subprocess.run(  # noqa: S603 - our own celery, fixed arguments
            [celery, "-A", "ganzhou_projects", "purge", "-f"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        self.log = open(self.log_path, "w")  # closed in __exit__
        self.process = subprocess.Popen(  # noqa: S603
            [celery, "-A", "ganzhou_projects", "worker", "-l", "info", "--without-mingle", "--without-gossip"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited with {self.process.returncode}; see {self.log_path}")
            if "ready." in self.log_path.read_text(errors="replace"):
                return self
            time.sleep(0.3)
        raise RuntimeError(f"the Celery worker was not ready within 60 s; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # a warm shutdown: the task running finishes first
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
