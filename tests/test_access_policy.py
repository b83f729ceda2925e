"""One access policy: only projects/access.py reads groups, permission codenames or the superuser flag."""

import ast
import pathlib

import pytest
from django.urls import reverse

from projects import access, roles
from tests.factories import UserFactory

ROOT = pathlib.Path(__file__).resolve().parent.parent
APPS = ["projects", "dispatch", "early_warnings", "funding", "notifications", "ganzhou_projects", "exports"]
# Code that sets roles up (declares groups and their permissions) rather than asking about them.
SETUP_MODULES = {"projects/roles.py"}
POLICY_MODULE = "projects/access.py"
PERMISSION_CODENAMES = {perm for perms in roles.GLOBAL_PERMISSIONS.values() for perm in perms}
ROLE_CONSTANTS = {"REPORTER", "DRC", "STATISTICS", "FINANCE", "LEADER", "AUDITOR", "ADMINISTRATOR"}


def _production_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in SETUP_MODULES or rel == POLICY_MODULE:
                continue
            yield rel, path


def _inspections(tree: ast.AST):
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"has_perm", "has_perms", "is_superuser"}:
            yield node.lineno, node.attr
        if isinstance(node, ast.Attribute) and node.attr == "groups" and id(node) not in called:
            yield node.lineno, "groups"  # user.groups (a regex match's .groups() is a call)
        if isinstance(node, ast.keyword) and node.arg and node.arg.startswith("groups__"):
            yield node.lineno, node.arg
        if isinstance(node, ast.Constant) and node.value in PERMISSION_CODENAMES:
            yield node.lineno, node.value
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ROLE_CONSTANTS
            and isinstance(node.value, ast.Name)
            and node.value.id == "roles"
        ):
            yield node.lineno, f"roles.{node.attr}"


def test_nothing_but_the_access_module_inspects_roles_or_permissions():
    found = [
        f"{rel}:{line} {what}"
        for rel, path in _production_files()
        for line, what in _inspections(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert found == [], "ask projects.access instead:\n" + "\n".join(found)


def test_templates_ask_the_access_answers_not_perms():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if "perms." in path.read_text(encoding="utf-8") or "user.is_superuser" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (roles.REPORTER, {"may_import_projects", "may_add_project"}),
        (
            roles.DRC,
            {
                "may_review_reports",
                "may_manage_periods",
                "may_manage_warnings",
                "may_run_ledger",
                "may_see_supervision",
                "may_see_sent_log",
                "may_see_all_units",
                "may_act_for_any_unit",
                "may_add_project",
                "may_import_projects",
                "may_manage_lists",
            },
        ),
        (roles.STATISTICS, {"may_verify_reports", "may_see_all_units"}),
        (roles.FINANCE, {"may_see_all_units"}),
        (roles.LEADER, {"may_see_all_units", "may_see_supervision"}),
        (roles.AUDITOR, {"may_see_all_units", "may_see_supervision", "may_see_sent_log", "may_read_history"}),
    ],
)
def test_each_role_answers_exactly_its_questions(db, role, expected):
    user = UserFactory(role=role)
    questions = [
        "may_use_admin",
        "may_review_reports",
        "may_manage_periods",
        "may_verify_reports",
        "may_manage_warnings",
        "may_run_ledger",
        "may_see_supervision",
        "may_see_sent_log",
        "may_see_all_units",
        "may_act_for_any_unit",
        "may_add_project",
        "may_import_projects",
        "may_manage_lists",
        "may_read_history",
    ]
    answered = {q for q in questions if getattr(access, q)(user)}
    assert answered == expected


def test_a_superuser_without_the_role_group_is_an_administrator_everywhere(db):
    """The header's links and the views agree: the superuser flag alone makes an administrator."""
    user = UserFactory(is_superuser=True, is_staff=True)
    assert access.is_administrator(user)
    assert access.may_manage_warnings(user) and access.may_review_reports(user) and access.may_use_admin(user)


def test_the_header_shows_a_superuser_the_administrator_links(client, db):
    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    body = client.get(reverse("projects:project_list")).content.decode()
    assert reverse("admin:index") in body
    assert reverse("dispatch:periods") in body
    assert reverse("notifications:sent_log") in body


def test_nobody_but_a_leader_can_be_a_projects_leader(db):
    assert access.may_be_assigned_leader(UserFactory(role=roles.LEADER))
    assert not access.may_be_assigned_leader(UserFactory(role=roles.DRC))
