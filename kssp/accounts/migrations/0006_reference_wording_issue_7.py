"""Issue #7 point 1: corrected names and new rows in ``kssp/accounts/data/`` reach existing deployments.

The seed of 0002 creates missing institutions and units and updates institutions, but leaves the names of
units it finds alone; this migration re-runs the seeds (new ministries, services and units; role names
"Instruktor", "Forenzičar") and then writes the corrected names onto existing units ("Generalna direkcija
policije", "Regionalna direkcija policije …", "PKK Merdarë"); a root unit takes its institution's name
("Agjencia e Kosovës për Inteligjencë").
"""

from django.db import migrations


def reseed(apps, schema_editor):
    from kssp.accounts.seed import _rows, seed_institutions, seed_roles

    Institution, Unit = apps.get_model("accounts", "Institution"), apps.get_model("accounts", "Unit")
    seed_institutions(Institution, Unit)
    seed_roles(apps.get_model("accounts", "Role"))
    rows = _rows("units.csv")
    for unit in Unit.objects.select_related("institution"):
        if unit.code == "HQ":
            names = (unit.institution.name_sq, unit.institution.name_sr, unit.institution.name_en)
        else:
            row = next((r for r in rows if r["code"] == unit.code and r["institution"] in {"*", unit.institution.code}), None)
            if row is None:
                continue
            names = (row["name_sq"], row["name_sr"], row["name_en"])
        if (unit.name_sq, unit.name_sr, unit.name_en) != names:
            unit.name_sq, unit.name_sr, unit.name_en = names
            unit.save(update_fields=["name_sq", "name_sr", "name_en"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_roles_issue_3_permissions")]

    operations = [migrations.RunPython(reseed, migrations.RunPython.noop)]
