"""A creator makes a persona, imports a CSV, sees the posts with tiers and searches one."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CSV = (
    "text,date,likes,comments,reposts\n"
    + "\n".join(
        f'"Lesson {n}: {topic} is what separates teams that ship from teams that talk.",'
        f"2024-0{n % 9 + 1}-10,{n * 11},{n},{n % 4}"
        for n, topic in enumerate(
            [
                "written decisions",
                "small batches",
                "customer calls",
                "pricing courage",
                "clear ownership",
                "weekly demos",
                "saying no",
                "boring technology",
                "fast feedback",
                "honest retros",
            ],
            start=1,
        )
    )
    + '\n"too short",2024-01-01,1,1,1\n'
)


def test_create_persona_import_csv_see_tiers_and_search(live_server, page: Page, tmp_path):
    UserFactory(email="creator@example.com")
    upload = tmp_path / "my-posts.csv"
    upload.write_text(CSV, encoding="utf-8")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("creator@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Create a persona").click()
    page.get_by_label("Name").fill("LinkedIn – founder me")
    page.get_by_label("Platform").select_option("linkedin")
    page.get_by_label("Timezone").fill("Europe/Lisbon")
    page.get_by_role("button", name="Create persona").click()

    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name="Import posts").click()
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("10 posts ready to import")).to_be_visible()
    expect(page.get_by_text("text is 9 characters; a post needs at least 50")).to_be_visible()
    page.get_by_role("button", name="Import 10 posts").click()
    expect(page.get_by_role("heading", name="Imported 10 posts")).to_be_visible()

    page.get_by_role("link", name="See your posts").click()
    expect(page.get_by_text("10 posts", exact=True)).to_be_visible()
    expect(page.locator(".tier-top")).to_have_count(1)
    expect(page.locator(".tier-under")).to_have_count(1)
    page.get_by_label("Search").fill("pricing")
    page.get_by_label("Search").press("Enter")
    expect(page.get_by_text("1 post", exact=True)).to_be_visible()
    page.get_by_role("link", name="Lesson 4: pricing courage").click()
    expect(page.get_by_role("heading", name="Similar posts")).to_be_visible()
    expect(page.locator(".metrics")).to_contain_text("Likes")

    # Add one post by hand (an HTMX form): a duplicate is caught first, then saved anyway.
    page.get_by_role("link", name="Posts", exact=True).click()
    page.get_by_role("link", name="Add a post").click()
    page.get_by_label("Text").fill(
        "Lesson 4: pricing courage is what separates teams that ship from teams that talk."
    )
    page.get_by_role("button", name="Add post", exact=True).click()
    expect(page.get_by_text("already has a post with the same text")).to_be_visible()
    page.get_by_role("button", name="Save anyway").click()
    expect(page.get_by_role("heading", name="Post", exact=True)).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("Post added.")
