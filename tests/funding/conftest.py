"""Actors and records of the pre-project fee tests: a department that applies, DRC, Finance, a second of each."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from funding import services
from projects import roles
from projects import services as project_services
from projects.models import ListKind, Stage
from tests.factories import ProjectFactory, UnitFactory, UserFactory


def pdf_bytes(text: str = "test") -> bytes:
    """A small real PDF (what a scanned application or an invoice would be)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        + text.encode()
        + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def pdf_upload(name: str = "可研报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def png_upload(name: str = "发票.png") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def department(db):
    return UnitFactory(code="transport", name="区交通运输局", unit_type="department")


@pytest.fixture
def other_department(db):
    return UnitFactory(code="water", name="区水务局", unit_type="department")


@pytest.fixture
def applicant(department):
    return UserFactory(username="transport_reporter", full_name="何静", unit=department, role=roles.REPORTER)


@pytest.fixture
def other_applicant(other_department):
    return UserFactory(username="water_reporter", full_name="罗兰", unit=other_department, role=roles.REPORTER)


@pytest.fixture
def finance_unit(db):
    return UnitFactory(code="finance", name="区财政局", unit_type="department")


@pytest.fixture
def finance_a(finance_unit):
    return UserFactory(username="finance_a", full_name="吴财政", unit=finance_unit, role=roles.FINANCE)


@pytest.fixture
def finance_b(finance_unit):
    return UserFactory(username="finance_b", full_name="郑会计", unit=finance_unit, role=roles.FINANCE)


@pytest.fixture
def drc_b(drc_unit):
    return UserFactory(username="drc_b", full_name="马强", unit=drc_unit, role=roles.DRC)


def reserve_project(unit, drc, *, name: str, code: str = "", stage=Stage.PREPARATORY, in_reserve: bool = True):
    project = ProjectFactory(
        name=name, responsible_unit=unit, stage=stage, national_code=code, total_investment=Decimal("80000")
    )
    if in_reserve:
        project_services.list_add(
            project=project,
            kind=ListKind.RESERVE,
            year=None,
            reason="纳入储备库",
            acting_user=drc,
            today=datetime.date(2026, 1, 5),
        )
    return project


@pytest.fixture
def eligible(department, drc):
    return reserve_project(department, drc, name="甘州区国道227线改建工程", code="2026-620702-48-01-000001")


@pytest.fixture
def pool(finance_a):
    return services.pool_set(year=2026, amount=Decimal("1000"), reason="2026年预算安排", acting_user=finance_a)


def apply(project, user, amount="120", year=2026, attachments=None):
    return services.grant_apply(
        project=project,
        year=year,
        amount=Decimal(amount),
        preparatory_items="可行性研究报告编制及评估",
        attachments=[pdf_upload()] if attachments is None else attachments,
        acting_user=user,
    )


def approve(grant, drc, finance, *, proposed="100", approved="80"):
    grant = services.grant_drc_review(
        grant=grant, decision="propose", amount=Decimal(proposed), opinion="符合政策投向", acting_user=drc
    )
    return services.grant_finance_review(
        grant=grant, decision="approve", amount=Decimal(approved), opinion="比例合理", acting_user=finance
    )


@pytest.fixture
def submitted(eligible, applicant, pool):
    return apply(eligible, applicant)


@pytest.fixture
def approved(submitted, drc, finance_a):
    return approve(submitted, drc, finance_a)
