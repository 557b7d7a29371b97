"""Identifiers typed with full-width digits, spaces or a lowercase x before input was normalised are rewritten
in the one form (``core.ids.normalize_identifier``). Only rows with a character outside [0-9X] (phones: outside
[0-9-]) are read, so the scan is one pass over the column and the rewrite touches only those rows.

A normalised ID number that another *active* member already holds — stored, or normalised earlier in this pass —
is the same person registered twice: it is left as it is (the unique index would refuse it) and counted, for the
county to resolve by hand.
"""

from django.db import migrations

BATCH = 2000


def normalize(apps, schema_editor):
    from jingzhun.core.ids import normalize_identifier

    Member = apps.get_model("registry", "Member")
    Household = apps.get_model("registry", "Household")
    clashes, taken, changed = 0, set(), []
    for member in Member.objects.filter(id_number__regex=r"[^0-9X]").only("id", "id_number", "is_active"):
        number = normalize_identifier(member.id_number)
        if member.is_active:
            if number in taken or Member.objects.filter(id_number=number, is_active=True).exists():
                clashes += 1
                continue
            taken.add(number)
        member.id_number = number
        changed.append(member)
    Member.objects.bulk_update(changed, ["id_number"], batch_size=BATCH)
    members = list(Member.objects.filter(disability_certificate__regex=r"[^0-9X]").only("id", "disability_certificate"))
    for member in members:
        member.disability_certificate = normalize_identifier(member.disability_certificate)
    Member.objects.bulk_update(members, ["disability_certificate"], batch_size=BATCH)
    households = list(Household.objects.filter(phone__regex=r"[^0-9-]").only("id", "phone"))
    for household in households:
        household.phone = normalize_identifier(household.phone)
    Household.objects.bulk_update(households, ["phone"], batch_size=BATCH)
    if clashes:
        print(f"\n  {clashes} 个身份证号规范化后与另一在册成员相同（同一人重复登记），保留原样，请核查。")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_fewer_redundant_indexes")]

    operations = [migrations.RunPython(normalize, migrations.RunPython.noop, elidable=True)]
