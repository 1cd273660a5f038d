"""The benefits almenboligloven §§ 51 b and 51 c name, dated (R36.1, R37.1).

* § 51 b, stk. 1, 1. pkt. (kombineret udlejning): kontanthjælp, uddannelseshjælp and, in the text
  in force when BEK 1360/2018 took effect (1 December 2018), integrationsydelse.
* § 51 c, stk. 1 (omdannelsesområde, in force 1 July 2019 with bekendtgørelsens § 37 as worded by
  BEK nr. 164 af 25. februar 2019): the same benefits.
* Lov nr. 174 af 27. februar 2019 replaced integrationsydelse in lov om aktiv socialpolitik by
  selvforsørgelses- og hjemrejseydelse and overgangsydelse from 1 July 2019; the provisions as
  amended name those. Integrationsydelse stays listed: it is the same benefit under its former
  name, so periods received before 1 July 2019 still count toward § 51 b's 6 months.

A later change of the law is a new row from its date (in the admin), not an edit of these."""

import datetime

from django.db import migrations

BEK_START = datetime.date(2018, 12, 1)
RENAMED = datetime.date(2019, 7, 1)
SOURCE_51B = "Almenboligloven § 51 b, stk. 1, 1. pkt."
SOURCE_51C = "Almenboligloven § 51 c, stk. 1 (bekendtgørelsens § 37, BEK nr. 164 af 25. februar 2019)"
RENAME = "lov nr. 174 af 27. februar 2019 (from 1 July 2019)"
FORMER = "the former name of selvforsørgelses- og hjemrejseydelse and overgangsydelse (" + RENAME + ")"

ROWS = [
    ("51b", "kontanthjaelp", BEK_START, SOURCE_51B),
    ("51b", "uddannelseshjaelp", BEK_START, SOURCE_51B),
    ("51b", "integrationsydelse", BEK_START, f"{SOURCE_51B}; {FORMER}"),
    ("51b", "selvforsoergelsesydelse", RENAMED, f"{SOURCE_51B} as amended; {RENAME}"),
    ("51b", "overgangsydelse", RENAMED, f"{SOURCE_51B} as amended; {RENAME}"),
    ("51c", "kontanthjaelp", RENAMED, SOURCE_51C),
    ("51c", "uddannelseshjaelp", RENAMED, SOURCE_51C),
    ("51c", "integrationsydelse", RENAMED, f"{SOURCE_51C}; {FORMER}"),
    ("51c", "selvforsoergelsesydelse", RENAMED, f"{SOURCE_51C} as amended; {RENAME}"),
    ("51c", "overgangsydelse", RENAMED, f"{SOURCE_51C} as amended; {RENAME}"),
]


def seed(apps, schema_editor):
    ListedBenefit = apps.get_model("housing", "ListedBenefit")
    for provision, kind, valid_from, source in ROWS:
        ListedBenefit.objects.get_or_create(
            provision=provision, kind=kind, valid_from=valid_from, defaults={"legal_source": source}
        )


def unseed(apps, schema_editor):
    apps.get_model("housing", "ListedBenefit").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("housing", "0010_listed_benefits_and_cohabitation")]

    operations = [migrations.RunPython(seed, unseed)]
