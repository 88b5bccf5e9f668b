from django.db import migrations


def copy_counters(apps, schema_editor):
    counter = apps.get_model("petitions", "PetitionCounter")
    sequence = apps.get_model("governance", "NumberSequence")
    for year, last in counter.objects.values_list("year", "last"):
        sequence.objects.update_or_create(name="petition", year=year, defaults={"last": last})


def copy_back(apps, schema_editor):
    counter = apps.get_model("petitions", "PetitionCounter")
    sequence = apps.get_model("governance", "NumberSequence")
    for year, last in sequence.objects.filter(name="petition").values_list("year", "last"):
        counter.objects.update_or_create(year=year, defaults={"last": last})


class Migration(migrations.Migration):
    """Petition numbers come from the one yearly sequence (governance.NumberSequence)."""

    dependencies = [
        ("governance", "0003_numbersequence"),
        ("petitions", "0002_default_policies_and_calendar"),
    ]

    operations = [
        migrations.RunPython(copy_counters, copy_back),
        migrations.DeleteModel(name="PetitionCounter"),
    ]
