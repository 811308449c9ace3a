"""An owner upgrades through (fake) Stripe Checkout.

The plan page, the hosted payment page, the signed webhook Stripe sends, and the billing page
showing the new plan and its limits."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from billing.defaults import seed
from billing.models import CreditPack, Plan
from tests.factories import PASSWORD, UserFactory
from tests.fakes.stripe_server import SECRET_KEY, WEBHOOK_SECRET, FakeStripe
from tests.helpers import personal_workspace

pytestmark = pytest.mark.django_db(transaction=True)


def test_upgrade_through_stripe_checkout(live_server, page: Page, settings):
    with FakeStripe() as stripe:
        settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = SECRET_KEY, WEBHOOK_SECRET
        settings.STRIPE_API_URL = stripe.base_url
        settings.CSP_FORM_ACTION_ORIGINS = [stripe.base_url]
        stripe.webhook_url = f"{live_server.url}/billing/webhook/"
        seed(Plan, CreditPack)  # a browser test's database was emptied by the one before
        Plan.objects.filter(slug="creator").update(stripe_price_id="price_creator")
        user = UserFactory(email="payer@example.com")
        personal_workspace(user)
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
        expect(page.locator("header")).to_contain_text("plan: Free")
        page.get_by_role("button", name="Choose Creator").click()
        expect(page.get_by_role("heading", name="Pay ContentTwin")).to_be_visible()
        page.get_by_role("button", name="Pay").click()
        expect(page.get_by_text("Thank you.")).to_be_visible()
        expect(page.locator("header")).to_contain_text("plan: Creator (active)")
        expect(page.locator("#usage")).to_contain_text("300")
        if os.environ.get("SCREENSHOTS_DIR"):
            page.screenshot(path=f"{os.environ['SCREENSHOTS_DIR']}/billing.png", full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
