import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from projects import roles
from projects.models import Project, Sector, Stage, Unit, UnitType, User
from projects.services import grant_unit_permissions


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"测试镇{n}")
    unit_type = UnitType.TOWN
    contact_name = "张明"
    contact_phone = "0936-8210000"
    contact_email = factory.LazyAttribute(lambda o: f"{o.code}@example.cn")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("pass-12345")
    unit = None

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if not extracted:
            return
        groups = roles.ensure_role_groups()
        obj.groups.add(groups[extracted])
        if extracted == roles.ADMINISTRATOR:
            obj.is_staff = obj.is_superuser = True
            obj.save()


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"甘州区测试项目{n}")
    sector = Sector.INDUSTRY
    content_scale = "新建厂房2万平方米及配套设施"
    start_year = 2026
    end_year = 2027
    location = "甘州区"
    total_investment = Decimal("5000.00")
    responsible_unit = factory.SubFactory(UnitFactory)
    owner_name = "张掖市某某公司"
    owner_contact = "李强"
    owner_phone = "13800000000"
    stage = Stage.UNDER_CONSTRUCTION

    @factory.post_generation
    def unit_permissions(obj, create, extracted, **kwargs):
        if create:
            grant_unit_permissions(obj, obj.responsible_unit)


def month_plan(total: Decimal) -> list[Decimal]:
    """Twelve amounts that add up to `total` (the remainder goes to December)."""
    base = (total / 12).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    return [base] * 11 + [total - base * 11]


TODAY = datetime.date(2026, 11, 21)
