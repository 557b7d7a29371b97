# 人均纯收入 divided as a fraction on SQLite too (10,000 ÷ 3 was 3,333 there). A generated column's expression
# cannot be altered in place, so the column is dropped and added again; both engines recompute it from the
# stored amounts.

import django.db.models.expressions
import django.db.models.functions.comparison
import jingzhun.registry.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0015_member_national_columns'),
    ]

    operations = [
        migrations.RemoveField(model_name='householdyear', name='per_capita_net'),
        migrations.AddField(
            model_name='householdyear',
            name='per_capita_net',
            field=models.GeneratedField(db_persist=True, expression=jingzhun.registry.models.MoneyQuotient(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('wage'), '+', models.F('business')), '+', models.F('property_income')), '+', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('transfer_family_planning'), '+', models.F('transfer_dibao')), '+', models.F('transfer_wubao')), '+', models.F('transfer_pension')), '+', models.F('transfer_eco')), '+', models.F('transfer_other'))), '-', models.F('business_expense')), django.db.models.functions.comparison.NullIf(models.F('household_size'), 0)), output_field=models.DecimalField(decimal_places=2, max_digits=14), verbose_name='人均纯收入'),
        ),
    ]
