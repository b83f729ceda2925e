# Amounts in 万元 are read with a thousands comma in the bureau's tables ("1,200 万元").
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
