"""Demo pre-project fee grants (前期费): this year's pool and a handful of grants at every step.

Written through funding.services as the demo accounts (the applying unit's reporter, drc, finance), so
every step carries its history and notices exactly as the screens would write them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from funding import services
from projects.models import ListEntry, ListKind, Project

from .common import SHANGHAI, reporter_username
from .data import DRC_UNIT, FINANCE_UNIT
from .inventory import SeedContext

POOL = Decimal("1500.00")
# (asked, DRC proposes, Finance approves, paid, spent) for each demo grant, in order; None stops there.
STEPS = [
    ("180", "150", "120", "80", "45.6"),
    ("260", "220", "200", "200", "168"),
    ("95", "90", "90", None, None),
    ("150", "120", None, None, None),
    ("120", None, None, None, None),
    ("300", "return", None, None, None),
]
ITEMS = "可行性研究报告编制、评估及初步设计审查"


def _pdf(name: str) -> SimpleUploadedFile:
    content = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def seed_fee_grants(ctx: SeedContext) -> None:
    """This year's pool, and grants for the first reserve-library projects with a national code."""
    finance, drc = ctx.users.get("finance"), ctx.users.get("drc")
    if finance is None or drc is None:
        return
    year = ctx.today.year
    moment = datetime.datetime.combine(ctx.today.replace(month=1, day=1), datetime.time(9), tzinfo=SHANGHAI)
    services.pool_set(year=year, amount=POOL, note="区级财政预算安排", reason=f"{year}年预算安排", acting_user=finance)
    reserve = ListEntry.objects.filter(kind=ListKind.RESERVE, is_active=True).values("project_id")
    projects = (
        Project.objects.filter(pk__in=reserve)
        .exclude(national_code="")
        .exclude(responsible_unit__code__in=[DRC_UNIT, FINANCE_UNIT])
        .select_related("responsible_unit")
        .order_by("id")
    )
    made = 0
    for project, (asked, proposed, approved, paid, spent) in zip(projects, STEPS, strict=False):
        reporter = ctx.users.get(reporter_username(project.responsible_unit.code))
        if reporter is None:
            continue
        now = moment + datetime.timedelta(days=10 + made * 7)
        grant = services.grant_apply(
            project=project,
            year=year,
            amount=Decimal(asked),
            preparatory_items=ITEMS,
            attachments=[_pdf("前期费申请报告.pdf")],
            acting_user=reporter,
            now=now,
        )
        made += 1
        if proposed == "return":
            services.grant_drc_review(
                grant=grant, decision="return", opinion="请补充项目入库截图及可研编制合同", acting_user=drc, now=now
            )
            continue
        if proposed is None:
            continue
        services.grant_drc_review(
            grant=grant,
            decision="propose",
            amount=Decimal(proposed),
            opinion="符合国家政策投向，项目前期工作真实合规",
            acting_user=drc,
            now=now + datetime.timedelta(days=2),
        )
        if approved is None:
            continue
        services.grant_finance_review(
            grant=grant,
            decision="approve",
            amount=Decimal(approved),
            opinion="申报资金比例合理",
            acting_user=finance,
            now=now + datetime.timedelta(days=4),
        )
        if paid is None:
            continue
        services.disbursement_add(
            grant=grant, amount=Decimal(paid), paid_on=(now + datetime.timedelta(days=10)).date(), acting_user=finance
        )
        if spent is not None:
            services.spending_add(
                grant=grant,
                stage="feasibility",
                activity="preparation",
                amount=Decimal(spent),
                spent_on=(now + datetime.timedelta(days=20)).date(),
                description="可行性研究报告编制合同款",
                voucher=_pdf("发票.pdf"),
                acting_user=reporter,
            )
    ctx.counts["fee grants"] = made
