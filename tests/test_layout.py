"""Where code lives: the demo app is dev-only, so production code never imports it, and production has none of it."""

import ast
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_PACKAGES = [
    "projects",
    "dispatch",
    "early_warnings",
    "funding",
    "notifications",
    "ganzhou_projects",
    "exports",
    "dashboard",
    "assessment",
    "meetings",
    "auditlog",
]
DEMO_MODULES = ["data", "common", "bulk", "inventory", "reports", "ledger", "funding", "meetings", "seed"]


def imported_modules(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module name, imported names) of every import in the file; relative imports resolved."""
    package = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, module, [alias.name for alias in node.names]))
    return found


def production_files():
    for package in PRODUCTION_PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            if "migrations" not in path.relative_to(REPO_ROOT).parts:
                yield path


def test_no_production_module_imports_the_demo_app():
    offenders = []
    files = list(production_files())
    assert len(files) > 40
    for path in files:
        for line, module, names in imported_modules(path):
            if module == "demo" or module.startswith("demo."):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{line} imports {module} {names}")
    assert not offenders, "\n".join(offenders)


def test_demo_modules_import_one_way_and_no_private_names():
    """data → common → bulk → inventory → reports, ledger, funding → seed: each imports only from those before."""
    offenders = []
    for index, name in enumerate(DEMO_MODULES):
        path = REPO_ROOT / "demo" / f"{name}.py"
        for line, module, names in imported_modules(path):
            if module != "demo" and not module.startswith("demo."):
                continue
            target = module.removeprefix("demo.")
            if target not in DEMO_MODULES[:index] or any(n.startswith("_") for n in names):
                offenders.append(f"demo/{name}.py:{line} imports {module} {names}")
    assert not offenders, "\n".join(offenders)


def test_production_settings_have_no_demo_app_and_the_images_never_seed():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "test-only", "DJANGO_SETTINGS_MODULE": "ganzhou_projects.settings"}
    env.pop("ENABLE_DEMO", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--projects", "1"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "Unknown command: 'seed_demo'" in result.stderr
    for name in ("Dockerfile", "docker-compose.yml"):
        text = (REPO_ROOT / name).read_text(encoding="utf-8")
        assert "seed_demo" not in text and "bootstrap_demo" not in text, name
