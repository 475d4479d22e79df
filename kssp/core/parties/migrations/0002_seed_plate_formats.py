"""Seed the plate formats with neutral labels (users-review point 49): how a plate was issued, never a
"plate country". Idempotent: re-running updates the labels of existing codes."""

from django.db import migrations

PLATE_FORMATS = [
    # code, sq, sr (Latin; Cyrillic is derived), en, order
    ("RKS", "Targë RKS", "RKS tablica", "RKS plate", 10),
    (
        "SRB_KOSOVO_TOWN",
        "Targë e vjetër e lëshuar nga Serbia për një qytet të Kosovës (KM, PR, PZ, PE, UR, ĐA, GL)",
        "Starija tablica koju je izdala Srbija za grad na Kosovu (KM, PR, PZ, PE, UR, ĐA, GL)",
        "Older Serbia-issued plate for a Kosovo town (KM, PR, PZ, PE, UR, ĐA, GL)",
        20,
    ),
    ("KS_UNMIK", "Targë KS e lëshuar nga UNMIK", "KS tablica koju je izdao UNMIK", "KS plate issued by UNMIK", 30),
    ("FOREIGN", "Targë e huaj", "Strana tablica", "Foreign plate", 40),
    (
        "DIPLOMATIC",
        "Targë diplomatike ose e organizatës ndërkombëtare",
        "Diplomatska tablica ili tablica međunarodne organizacije",
        "Diplomatic or international-organisation plate",
        50,
    ),
    ("TEMPORARY", "Targë e përkohshme ose provuese", "Privremena ili probna tablica", "Temporary or trial plate", 60),
    ("UNKNOWN", "E panjohur ose e palexueshme", "Nepoznata ili nečitljiva", "Unknown or unreadable", 90),
]


def seed(apps, schema_editor):
    PlateFormat = apps.get_model("parties", "PlateFormat")
    for code, sq, sr, en, order in PLATE_FORMATS:
        PlateFormat.objects.update_or_create(
            code=code, defaults={"name_sq": sq, "name_sr": sr, "name_en": en, "sort_order": order, "active": True}
        )


class Migration(migrations.Migration):
    dependencies = [("parties", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
