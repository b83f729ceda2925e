"""Every form of the app: the empty choice reads 请选择 and labels end with the Chinese colon."""

import importlib
import inspect
import re

import pytest
from django import forms

from projects.models import Project

FORM_MODULES = [
    "projects.forms",
    "dispatch.forms",
    "early_warnings.forms",
    "early_warnings.forms_ledger",
    "ganzhou_projects.xlsx",
]


def app_forms():
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == name:
                yield cls


def instantiate(cls, user):
    needs = inspect.signature(cls.__init__).parameters
    kwargs = {}
    if "user" in needs:
        kwargs["user"] = user
    if "projects" in needs:
        kwargs["projects"] = Project.objects.all()
    if "assigns" in needs:
        kwargs["assigns"] = True
    return cls(**kwargs)


def test_every_app_form_is_found():
    names = {cls.__name__ for cls in app_forms()}
    assert {"ProjectForm", "ReportForm", "WarningIssueForm", "ProblemEditForm", "FundItemForm"} <= names


@pytest.mark.parametrize("cls", list(app_forms()), ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_no_dashes_and_no_ascii_colons(cls, drc, project_a):
    form = instantiate(cls, drc)
    html = str(form)
    assert "---------" not in html
    labels = [str(form[name].label_tag()) for name in form.fields if not form[name].is_hidden]
    for label in labels:
        text = re.sub(r"<[^>]+>", "", label)
        assert not text.endswith(":"), label
        assert not text or text.endswith("："), label
    for name, field in form.fields.items():
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelMultipleChoiceField):
            blanks = [str(label) for value, label in form[name].field.widget.choices if value == ""]
            assert "---------" not in blanks, name


def test_empty_choice_reads_please_choose(drc, project_a):
    from early_warnings.forms_ledger import ProblemForm
    from projects.forms import ProjectForm

    assert '<option value="" selected>请选择</option>' in str(ProblemForm(projects=Project.objects.all(), assigns=True))
    assert '<option value="" selected>请选择</option>' in str(ProjectForm(user=drc))
