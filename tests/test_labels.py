"""The `label` filter answers what get_FOO_display() answers, in the request's language."""

from django.template import Context, Template
from django.utils import translation

from dispatch.models import MonthlyReport, ReportStatus
from projects.models import Project, Sector, Stage


def test_label_is_get_foo_display_in_each_language():
    project = Project(sector=Sector.choices[0][0], stage=Stage.choices[-1][0], industry_chain="")
    report = MonthlyReport(status=ReportStatus.RETURNED, timeliness="")
    odd = Project(sector="not-a-choice", stage=Stage.choices[0][0])
    template = Template('{{ p|label:"sector" }}|{{ p|label:"stage" }}|{{ p|label:"industry_chain"|default:"—" }}')
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for p in (project, odd):
                expected = f"{p.get_sector_display()}|{p.get_stage_display()}|{p.get_industry_chain_display() or '—'}"
                assert template.render(Context({"p": p})) == expected
            assert Template('{{ r|label:"status" }}').render(Context({"r": report})) == report.get_status_display()
    with translation.override("zh-hans"):
        assert Template('{{ r|label:"status" }}').render(Context({"r": report})) != "Returned"  # translated
