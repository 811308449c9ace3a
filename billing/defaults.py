"""The plans and credit packs an installation starts with.

The data migration and `plans_ensure` both read this; the admin edits them afterwards."""

# (slug, name, price, personas, generations/month, scheduled/month, accounts, seats, sources)
PLANS = [
    ("free", "Free", "€0", 1, 30, 20, 1, 1, 2),
    ("creator", "Creator", "€19", 2, 300, 120, 4, 1, 10),
    ("pro", "Pro", "€49", 5, 1500, 600, 12, 3, 30),
    ("team", "Team", "€129", 20, 6000, 3000, 50, 10, 100),
]
PACKS = [("100 generations", 100, "€9"), ("500 generations", 500, "€35")]
FIELDS = (
    "name", "monthly_price", "personas", "generations_per_month",
    "scheduled_posts_per_month", "connected_accounts", "seats", "trend_sources",
)  # fmt: skip


def seed(plan_model, pack_model) -> None:
    """Create the plans and packs that are missing (existing ones keep their edits)."""
    for order, (slug, *values) in enumerate(PLANS):
        plan_model.objects.get_or_create(
            slug=slug, defaults={"order": order, **dict(zip(FIELDS, values, strict=True))}
        )
    for name, credits, price in PACKS:
        pack_model.objects.get_or_create(name=name, defaults={"credits": credits, "price": price})
