"""Load the 98 kommuner with their official codes from housing/data/kommuner.csv.

Each kommune gets its data-controller row, and every row gets a history entry by the system
user with the reason, so the audit trail starts at the very first row.
"""

import csv
from pathlib import Path

from django.conf import settings
from django.db import migrations
from django.utils import timezone

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "kommuner.csv"
REASON = "Indlæst fra den officielle liste over kommuner (kommuner.csv)"


def load(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Tenant = apps.get_model("housing", "Tenant")
    Kommune = apps.get_model("housing", "Kommune")
    HistoricalTenant = apps.get_model("housing", "HistoricalTenant")
    HistoricalKommune = apps.get_model("housing", "HistoricalKommune")
    system, _created = User.objects.get_or_create(
        username=settings.SYSTEM_USERNAME,
        defaults={"first_name": "System", "last_name": "(automatisk kørsel)", "is_active": False},
    )
    now = timezone.now()
    with CSV_PATH.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if Kommune.objects.filter(code=row["code"]).exists():
                continue
            tenant = Tenant.objects.create(kind="kommune", name=f"{row['name']} Kommune")
            kommune = Kommune.objects.create(code=row["code"], name=row["name"], region=row["region"], tenant=tenant)
            HistoricalTenant.objects.create(
                id=tenant.id, kind=tenant.kind, name=tenant.name, history_date=now, history_type="+",
                history_user=system, history_change_reason=REASON,
            )
            HistoricalKommune.objects.create(
                id=kommune.id, code=kommune.code, name=kommune.name, region=kommune.region, tenant_id=tenant.id,
                history_date=now, history_type="+", history_user=system, history_change_reason=REASON,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("housing", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
