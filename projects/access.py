"""Who may do what: the one access policy of the whole project.

Every view, service, template tag, context processor, the admin and the jobs ask the
functions here; nothing else reads a user's groups, permission codenames or
``is_superuser``. Roles are Django groups (declared in ``projects.roles``); a role's
rights are model permissions on its group, a unit's rights are guardian object
permissions on its unit group, and each question below is answered from those.

A later role or right is added here: one more question, asked by its views and services
(the pre-project fee questions below are the finance bureau's and DRC's rights on grants).
"""

from __future__ import annotations

from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from . import roles

PROJECT_PERMS = {"view": "projects.view_project", "change": "projects.change_project"}


# --- Roles ---------------------------------------------------------------------------------------


def user_roles(user) -> set[str]:
    """The role names of the user's groups, read once per request object (`_read_rights`)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    _load_rights(user)
    return user._role_cache


@lru_cache(maxsize=1)
def _rights_sql() -> str:
    """The user's role names, group permissions and own permissions (as Django's ModelBackend spells them,
    "app_label.codename"), in one statement; its parameters are `_rights_params`."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    User = get_user_model()
    user_groups = User.groups.through._meta.db_table
    user_perms = User.user_permissions.through._meta.db_table
    group_perms = Group.permissions.through._meta.db_table
    group, permission, content_type = Group._meta.db_table, Permission._meta.db_table, ContentType._meta.db_table
    names = ", ".join(["%s"] * len(roles.ALL_ROLES))
    codename = "ct.app_label || '.' || p.codename"
    return f"""
        SELECT 'role', g.name FROM {group} g JOIN {user_groups} ug ON ug.group_id = g.id
         WHERE ug.user_id = %s AND g.name IN ({names})
        UNION ALL
        SELECT 'group', {codename} FROM {permission} p JOIN {content_type} ct ON ct.id = p.content_type_id
          JOIN {group_perms} gp ON gp.permission_id = p.id JOIN {user_groups} ug ON ug.group_id = gp.group_id
         WHERE ug.user_id = %s
        UNION ALL
        SELECT 'user', {codename} FROM {permission} p JOIN {content_type} ct ON ct.id = p.content_type_id
          JOIN {user_perms} up ON up.permission_id = p.id
         WHERE up.user_id = %s
    """  # noqa: S608 - table names from the models; the user's id and the role names are parameters


def _rights_params(user) -> list:
    return [user.pk, *roles.ALL_ROLES, user.pk, user.pk]


def _load_rights(user) -> None:
    if not hasattr(user, "_role_cache"):
        _read_rights(user)


def _read_rights(user) -> None:
    """Read the user's roles and model permissions in one query, and keep the permissions where Django's
    ModelBackend keeps them for the request (`_user_perm_cache`, `_group_perm_cache`, `_perm_cache`): every
    page's layout asks a dozen questions here, which cost the backend two queries and the roles a third.
    A superuser's permissions are all of them (the backend reads those itself)."""
    found = {"role": set(), "group": set(), "user": set()}
    with connection.cursor() as cursor:
        cursor.execute(_rights_sql(), _rights_params(user))
        for kind, value in cursor.fetchall():
            found[kind].add(value)
    user._role_cache = found["role"]
    if not user.is_superuser and not hasattr(user, "_perm_cache"):
        user._user_perm_cache, user._group_perm_cache = found["user"], found["group"]
        user._perm_cache = found["user"] | found["group"]


def has_role(user, *names: str) -> bool:
    return bool(user_roles(user) & set(names))


def _can(user, perm: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    _load_rights(user)
    return user.has_perm(perm)


def is_administrator(user) -> bool:
    """System administrators: the Django superuser flag or the administrator role."""
    return getattr(user, "is_authenticated", False) and (user.is_superuser or has_role(user, roles.ADMINISTRATOR))


def is_auditor(user) -> bool:
    return has_role(user, roles.AUDITOR)


def is_leader(user) -> bool:
    return has_role(user, roles.LEADER)


def is_unit_reporter(user) -> bool:
    return has_role(user, roles.REPORTER)


def is_unit_staff(user) -> bool:
    """Staff who act for their own unit (auditors belong to no unit's work even if given one)."""
    return getattr(user, "is_authenticated", False) and user.unit_id is not None and not is_auditor(user)


def is_system_actor(user) -> bool:
    from ganzhou_projects.audit import SYSTEM_USERNAME_PREFIX

    return user is not None and user.username.startswith(SYSTEM_USERNAME_PREFIX)


# --- Questions -------------------------------------------------------------------------------


def may_use_admin(user) -> bool:
    """The Django admin is for administrators only."""
    return is_administrator(user)


def may_review_reports(user) -> bool:
    """DRC reviews monthly reports: accept, return, reopen (seed 000 §1.1)."""
    return _can(user, "dispatch.review_report")


def may_manage_periods(user) -> bool:
    """DRC moves a reporting period's deadline."""
    return _can(user, "dispatch.change_reportingperiod")


def may_verify_reports(user) -> bool:
    """The statistics bureau flags reports for on-site verification and records the result."""
    return _can(user, "dispatch.verify_report")


def is_drc(user) -> bool:
    """DRC reviewers (区发展改革局) and administrators."""
    return has_role(user, roles.DRC) or is_administrator(user)


def may_manage_warnings(user) -> bool:
    """DRC issues, resolves and sets the thresholds of red/yellow/blue warnings (seed 000 §1.2)."""
    return is_drc(user)


def may_run_ledger(user) -> bool:
    """DRC runs the problem ledger: raises problems for any project, closes them (销号)."""
    return is_drc(user)


def may_raise_problem_for(user, project) -> bool:
    """DRC raises ledger problems for any project it sees; unit staff only for their own unit's projects."""
    if may_run_ledger(user):
        return may_view_project(user, project)
    return is_unit_staff(user) and user.unit_id == project.responsible_unit_id and may_change_project(user, project)


def is_problem_staff(user, problem) -> bool:
    """Staff of a unit the ledger problem names as responsible (a competent department included)."""
    return is_unit_staff(user) and any(unit.pk == user.unit_id for unit in problem.responsible_units.all())


def may_update_problem(user, problem) -> bool:
    """Progress on a ledger problem: DRC, or the staff of a unit responsible for it."""
    return may_run_ledger(user) or is_problem_staff(user, problem)


def may_see_supervision(user) -> bool:
    """The district supervision list: DRC, leaders and auditors."""
    return may_manage_warnings(user) or has_role(user, roles.LEADER, roles.AUDITOR)


def may_see_sent_log(user) -> bool:
    """The log of every notice sent: DRC, auditors and administrators."""
    return has_role(user, roles.DRC, roles.AUDITOR) or is_administrator(user)


def may_see_all_units(user) -> bool:
    """DRC, the statistics and finance bureaus, leaders, auditors and administrators read every unit."""
    return _can(user, "projects.view_project")


def may_act_for_any_unit(user) -> bool:
    """DRC and administrators change any unit's projects and fill any unit's month."""
    return _can(user, "projects.change_project") and not is_auditor(user)


def may_see_unit(user, unit) -> bool:
    return may_see_all_units(user) or (unit is not None and getattr(user, "unit_id", None) == unit.pk)


def may_add_project(user) -> bool:
    return _can(user, "projects.add_project")


def may_enter_for_unit(user, unit) -> bool:
    """A unit's staff enter and move projects only within their own unit; DRC for any."""
    return unit is None or may_act_for_any_unit(user) or getattr(user, "unit_id", None) == unit.pk


def may_import_projects(user) -> bool:
    """DRC imports the 前期项目谋划表 for any unit; a unit reporter for their own unit."""
    return _can(user, "projects.import_projects") or is_unit_reporter(user)


def may_export_inventory(user) -> bool:
    """Every signed-in user exports the 前期项目谋划表 of the projects they see (projects_for_user limits the rows)."""
    return getattr(user, "is_authenticated", False)


def may_start_export_jobs(user) -> bool:
    """Who starts background exports (the district's tables, a large inventory): the roles whose work needs
    the files — DRC compiles and sends the tables, leaders take them to the dispatch meeting, the statistics
    and finance bureaus check investment and funds against their own figures, a unit's staff download their
    unit's tables, administrators support them all. Auditors read every record and its history on screen
    (seed: read-only) and start none: each job is a district-wide file written by a worker."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_administrator(user) or has_role(user, roles.DRC, roles.LEADER, roles.STATISTICS, roles.FINANCE):
        return True
    return is_unit_staff(user)


def may_manage_lists(user) -> bool:
    """DRC adjusts the annual list and the reserve library (seed 001 §14)."""
    return _can(user, "projects.manage_lists")


def may_read_history(user) -> bool:
    """Every change of every record: auditors and administrators (the full audit trail)."""
    return _can(user, "projects.view_history")


def may_be_assigned_leader(user) -> bool:
    """Only a user with the leader role is a project's 挂项领导."""
    return user is not None and has_role(user, roles.LEADER)


def may_read_monthly_overview(user) -> bool:
    """The read-only monthly overview of projects: leaders (their own projects first) and whoever reads every unit."""
    return is_leader(user) or may_see_all_units(user)


def may_see_meetings(user) -> bool:
    """Dispatch meetings, their agendas and packets: whoever reads every unit (DRC, the bureaus, leaders, auditors)."""
    return may_see_all_units(user)


def may_manage_meetings(user) -> bool:
    """DRC prepares dispatch meetings: series, agenda, decisions, packets; marks decisions done (seed 000 §1.1)."""
    return is_drc(user)


def is_decision_staff(user, decision) -> bool:
    """Staff of a unit a meeting decision names as responsible."""
    return is_unit_staff(user) and any(unit.pk == user.unit_id for unit in decision.responsible_units.all())


def may_see_decision(user, decision) -> bool:
    """A decision: whoever sees meetings, and the staff of its responsible units."""
    return may_see_meetings(user) or is_decision_staff(user, decision)


def may_post_decision_progress(user, decision) -> bool:
    """Progress on a decision: its responsible units' staff, and DRC."""
    return may_manage_meetings(user) or is_decision_staff(user, decision)


def may_approve_exemption(user) -> bool:
    """Who may be named as the leader approving a 容错 (seed 000 §1.3): a leader."""
    return user is not None and has_role(user, roles.LEADER)


def may_set_start_targets(user) -> bool:
    """DRC sets the year's dated start/resume rate targets (开复工率, seed 004)."""
    return is_drc(user)


def may_see_dashboard(user) -> bool:
    """The dashboard (and 投屏): whoever reads every unit, and a unit's staff for their own unit's projects."""
    return may_see_all_units(user) or is_unit_staff(user)


def may_have_my_projects(user) -> bool:
    """我的项目: the leaders assigned to projects (挂项领导)."""
    return is_leader(user)


def may_see_holiday_notice(user) -> bool:
    return is_administrator(user)


def may_manage_assessment(user) -> bool:
    """DRC sets the scoring scheme, publishes the quarterly ranking and the year-end assessment, adjusts
    year-end scores (seed 002 一.3, seed 000 §5.2)."""
    return is_drc(user)


def may_read_assessment_drafts(user) -> bool:
    """The ranking as it stands before DRC publishes it, the scheme and the adjustments: whoever reads every
    unit (DRC, leaders, auditors, the statistics and finance bureaus, administrators)."""
    return may_see_all_units(user)


def may_read_published_assessment(user) -> bool:
    """A published ranking is a circular to all units (排名通报): its whole table is read by the units' staff
    too, never a draft."""
    return may_read_assessment_drafts(user) or is_unit_staff(user)


# --- Pre-project fee grants (前期费, seed 000 §4) -----------------------------------------------


def may_manage_fee_pool(user) -> bool:
    """The finance bureau sets each year's pre-project fee pool (seed 000 §4.2: 区财政局负责筹措)."""
    return _can(user, "funding.manage_pool") and not is_auditor(user)


def may_read_all_fee_grants(user) -> bool:
    """DRC, Finance, leaders, auditors and administrators read every unit's applications."""
    return _can(user, "funding.view_all_grants")


def may_apply_for_fee_grant(user) -> bool:
    """A unit's own reporters apply for their unit's projects (各行业主管部门负责资金申报)."""
    return is_unit_staff(user) and is_unit_reporter(user)


def may_apply_for_project(user, project) -> bool:
    """A project's responsible unit or its competent department applies for it."""
    units = (project.responsible_unit_id, project.competent_department_id)
    return may_apply_for_fee_grant(user) and user.unit_id in units


def is_fee_grant_applicant(user, grant) -> bool:
    """Staff of the unit that applied: they correct and resubmit, and record the spending."""
    return may_apply_for_fee_grant(user) and user.unit_id == grant.unit_id


def may_review_fee_grant_drc(user) -> bool:
    """DRC reviews policy fit, compliance and authenticity and proposes an amount (seed 000 §4.2)."""
    return _can(user, "funding.review_drc") and not is_auditor(user)


def may_review_fee_grant_finance(user) -> bool:
    """Finance reviews the funding ratio, approves and disburses (seed 000 §4.2)."""
    return _can(user, "funding.review_finance") and not is_auditor(user)


def may_evaluate_fee_grants(user) -> bool:
    """DRC and Finance evaluate each grant's performance (seed 000 §4.3)."""
    return _can(user, "funding.evaluate_grant") and not is_auditor(user)


def fee_review_conflict(user, grant) -> str:
    """Why `user` may not review `grant` now ("" when nothing stands in the way): separation of duties.

    Nobody reviews their own unit's application, and the person who gave DRC's opinion does not
    also give Finance's (or the other way round).
    """
    if user.unit_id is not None and user.unit_id == grant.unit_id:
        return "不能审核本单位的前期费申请。"
    if user.pk == grant.submitted_by_id:
        return "不能审核自己提交的前期费申请。"
    if grant.status == "finance_review" and user.pk == grant.drc_by_id:
        return "同一人不能既做发改局审核又做财政局审核。"
    if grant.status == "drc_review" and user.pk == grant.finance_by_id:
        return "同一人不能既做财政局审核又做发改局审核。"
    return ""


def may_see_fee_pool(user) -> bool:
    """The pool's figures: whoever reads all applications, and applicants (what is left to ask for)."""
    return may_read_all_fee_grants(user) or may_apply_for_fee_grant(user)


# --- Projects: the scope of every object check -----------------------------------------------


def projects_for_user(user, perm: str = "view") -> QuerySet:
    """Projects the user may `perm` ("view" or "change"): global role permissions or the unit's object permissions."""
    from .models import Project

    if not getattr(user, "is_authenticated", False):
        return Project.objects.none()
    if perm == "change" and is_auditor(user):
        return Project.objects.none()  # auditors read everything and change nothing
    _load_rights(user)  # guardian asks the user's global permissions
    return get_objects_for_user(user, PROJECT_PERMS[perm], klass=Project, accept_global_perms=True, with_superuser=True)


def sees_every_project(user, perm: str = "view") -> bool:
    """The user may `perm` every project (a global role permission): `projects_for_user` is the whole table."""
    return not projects_for_user(user, perm).query.has_filters()


def visible_projects_q(user, field: str = "project", perm: str = "view") -> Q:
    """`field` (a non-null foreign key to Project) is a project the user may `perm`.

    Empty for a user who sees every project: a foreign key's project exists, and an `IN (SELECT id FROM
    projects_project)` that keeps every row costs a semi-join over the whole table at province scale."""
    if sees_every_project(user, perm):
        return Q()
    return Q(**{f"{field}__in": projects_for_user(user, perm).values("pk")})


def get_project_for_user(user, pk, perm: str = "view"):
    """The one permission check for a single project: 404 when the user may not `perm` it."""
    from .models import Project

    try:
        return (
            projects_for_user(user, perm)
            .select_related("responsible_unit", "competent_department", "leader")
            .get(pk=pk)
        )
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def may_change_project(user, project) -> bool:
    return _has_project(projects_for_user(user, "change"), project)


def may_view_project(user, project) -> bool:
    return _has_project(projects_for_user(user), project)


def _has_project(projects: QuerySet, project) -> bool:
    """Whether a saved project is among `projects`: no query when they are every project (a global right)."""
    return not projects.query.has_filters() or projects.filter(pk=project.pk).exists()


def units_for_user(user) -> QuerySet:
    """The units whose tables and completeness the user reads: all, or their own."""
    from .models import Unit

    if may_see_all_units(user):
        return Unit.objects.all()
    if getattr(user, "unit_id", None):
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.none()


def sync_unit_membership(sender, instance, **kwargs) -> None:
    """post_save of a user: the unit group carries the unit's object permissions to its staff; keep exactly that one."""
    from django.contrib.auth.models import Group

    unit_groups = Group.objects.filter(name__startswith="unit:")
    wanted = instance.unit.group_id if instance.unit_id else None
    stale = instance.groups.filter(pk__in=unit_groups.values("pk")).exclude(pk=wanted)
    if stale.exists():
        instance.groups.remove(*stale)
    if wanted and not instance.groups.filter(pk=wanted).exists():
        instance.groups.add(wanted)


# --- Who holds a role (for notices and pickers) -----------------------------------------------


def users_with_role(role: str) -> QuerySet:
    return get_user_model().objects.filter(groups__name=role, is_active=True).distinct()


def leaders() -> QuerySet:
    return users_with_role(roles.LEADER)


def unit_reporters(unit) -> QuerySet:
    """The reporters of one unit: who is told when DRC returns the unit's report."""
    return users_with_role(roles.REPORTER).filter(unit=unit)


def drc_reviewers() -> QuerySet:
    return users_with_role(roles.DRC)


def administrators() -> QuerySet:
    return (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name=roles.ADMINISTRATOR), is_active=True)
        .distinct()
    )
