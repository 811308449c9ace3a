from django.db import migrations

# (slug, name, price, personas, generations/month, scheduled/month, accounts, seats, sources)
PLANS = [
    ("free", "Free", "€0", 1, 30, 20, 1, 1, 2),
    ("creator", "Creator", "€19", 2, 300, 120, 4, 1, 10),
    ("pro", "Pro", "€49", 5, 1500, 600, 12, 3, 30),
    ("team", "Team", "€129", 20, 6000, 3000, 50, 10, 100),
]
PACKS = [("100 generations", 100, "€9"), ("500 generations", 500, "€35")]


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    CreditPack = apps.get_model("billing", "CreditPack")
    for order, (slug, name, price, personas, gens, posts, accounts, seats, sources) in enumerate(
        PLANS
    ):
        Plan.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "monthly_price": price,
                "order": order,
                "personas": personas,
                "generations_per_month": gens,
                "scheduled_posts_per_month": posts,
                "connected_accounts": accounts,
                "seats": seats,
                "trend_sources": sources,
            },
        )
    for name, credits, price in PACKS:
        CreditPack.objects.get_or_create(name=name, defaults={"credits": credits, "price": price})


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_plans_subscriptions_credits")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
