from django.db import migrations

from billing.defaults import seed


def seed_plans(apps, schema_editor):
    seed(apps.get_model("billing", "Plan"), apps.get_model("billing", "CreditPack"))


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_plans_subscriptions_credits")]
    operations = [migrations.RunPython(seed_plans, migrations.RunPython.noop)]
