import uuid

import pytest
from django.conf import settings

from projects import roles
from tests.factories import ProjectFactory, UnitFactory, UserFactory


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_history_guard():
    """Let the test database be flushed although its history tables refuse TRUNCATE.

    Transactional tests (transactional_db, live_server) end with Django's flush, a TRUNCATE of
    every table, which the append-only triggers (ganzhou_projects.history_guard) refuse. Test
    code only: the flush runs in its own transaction, where `SET LOCAL session_replication_role
    = replica` (the test database user is a superuser) keeps ordinary triggers from firing until
    that transaction ends. Production code has no such bypass.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    execute_sql_flush = DatabaseOperations.execute_sql_flush

    def flush_with_triggers_off(self, sql_list):
        return execute_sql_flush(self, ["SET LOCAL session_replication_role = replica", *sql_list])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "execute_sql_flush", flush_with_triggers_off)
        yield


@pytest.fixture(scope="session", autouse=True)
def _own_cache_keys():
    """Each test session writes under its own cache key prefix: the Redis cache outlives a run and is shared
    by the xdist workers, and a key left by an earlier run (the same database name and ids, another test's
    data) must not be read back as this run's."""
    from django.test import override_settings

    caches = {name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for name, config in settings.CACHES.items()}
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def _eager_celery_and_media(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def town_a(db):
    return UnitFactory(code="liangjiadun", name="梁家墩镇")


@pytest.fixture
def town_b(db):
    return UnitFactory(code="shangqin", name="上秦镇")


@pytest.fixture
def drc_unit(db):
    return UnitFactory(code="drc", name="区发展改革局", unit_type="department")


@pytest.fixture
def reporter_a(town_a):
    return UserFactory(username="reporter_a", full_name="王芳", unit=town_a, role=roles.REPORTER)


@pytest.fixture
def reporter_b(town_b):
    return UserFactory(username="reporter_b", full_name="赵磊", unit=town_b, role=roles.REPORTER)


@pytest.fixture
def drc(drc_unit):
    return UserFactory(username="drc", full_name="刘洋", unit=drc_unit, role=roles.DRC)


@pytest.fixture
def leader(db):
    return UserFactory(username="leader", full_name="陈区长", role=roles.LEADER)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", full_name="孙审计", role=roles.AUDITOR)


@pytest.fixture
def statistician(db):
    return UserFactory(username="stats", full_name="周统计", role=roles.STATISTICS)


@pytest.fixture
def finance(db):
    return UserFactory(username="finance", full_name="吴财政", role=roles.FINANCE)


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin", full_name="系统管理员", role=roles.ADMINISTRATOR)


@pytest.fixture
def project_a(town_a):
    return ProjectFactory(name="梁家墩镇设施农业产业园建设项目", responsible_unit=town_a)


@pytest.fixture
def project_b(town_b):
    return ProjectFactory(name="上秦镇肉牛养殖基地建设项目", responsible_unit=town_b)


def pytest_report_header(config):
    return f"database: {settings.DATABASES['default']['ENGINE']}"
