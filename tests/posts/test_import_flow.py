from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django.urls import reverse

from posts.models import ImportBatch, Post
from tests.factories import PersonaFactory
from tests.helpers import client_for
from tests.posts.conftest import upload

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.django_db
def test_upload_preview_then_import_then_reimport_adds_nothing(owner_client, persona):
    response = upload(owner_client, "Shares.csv", (FIXTURES / "Shares.csv").read_bytes())
    batch = ImportBatch.objects.get(persona=persona)
    assert response.url == reverse("import_detail", args=[batch.pk])
    assert (batch.total, batch.failed_rows, batch.duplicates) == (3, 1, 0)
    preview = owner_client.get(response.url).content.decode()
    assert "3</strong> posts ready to import" in preview
    assert "text is 10 characters; a post needs at least 50" in preview
    assert "could not be read; used today" in preview  # row 3's impossible date
    assert not Post.objects.exists()  # nothing before the user confirms

    done = owner_client.post(reverse("import_confirm", args=[batch.pk]), follow=True)
    assert "Imported 3 posts" in done.content.decode()
    assert Post.objects.filter(persona=persona, source="import").count() == 3

    again = upload(owner_client, "Shares.csv", (FIXTURES / "Shares.csv").read_bytes())
    second = ImportBatch.objects.get(pk=again.url.rstrip("/").rsplit("/", 1)[-1])
    assert (second.total, second.duplicates) == (0, 3)
    assert "Nothing new to import" in owner_client.get(again.url).content.decode()
    assert Post.objects.count() == 3


@pytest.mark.django_db
def test_problem_rows_are_listed_and_downloadable(owner_client, persona):
    upload(owner_client, "posts.json", (FIXTURES / "posts.json").read_bytes())
    batch = ImportBatch.objects.get()
    rows = list(
        csv.reader(
            io.StringIO(
                owner_client.get(reverse("import_errors_csv", args=[batch.pk])).content.decode()
            )
        )
    )
    assert rows[0] == ["row", "problem", "text", "posted_at"]
    assert rows[1][:2] == ["3", "text is 5 characters; a post needs at least 50"]
    assert rows[2][:2] == ["4", "item is a int, not an object; text is empty"]


@pytest.mark.django_db
def test_unreadable_upload_keeps_the_form_and_says_why(owner_client, persona):
    response = upload(owner_client, "photo.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    assert response.status_code == 422
    assert "This is a PNG image, not a text export." in response.content.decode()
    pasted = owner_client.post(reverse("import_upload"), {"pasted": "too short", "format": "paste"})
    batch = ImportBatch.objects.get()
    assert pasted.status_code == 302 and batch.failed_rows == 1


@pytest.mark.django_db
def test_row_and_size_limits(owner_client, persona, settings):
    settings.IMPORT_MAX_ROWS = 3
    text = "\n---\n".join(
        f"Pasted post number {n} which is long enough to be kept." for n in range(4)
    )
    response = owner_client.post(reverse("import_upload"), {"pasted": text, "format": "auto"})
    assert response.status_code == 422
    assert "The file has more than 3 posts; one upload takes up to 3." in response.content.decode()
    assert "Pasted post number 3" in response.content.decode()  # what was pasted is kept
    settings.IMPORT_MAX_BYTES = 2048
    big = upload(owner_client, "big.csv", b"text\n" + b"x" * 4096)
    assert "The file is 4.0\xa0KB; the limit is 2.0\xa0KB." in big.content.decode()


@pytest.mark.django_db
def test_viewer_cannot_import(workspace, viewer, persona):
    client = client_for(viewer, workspace)
    assert client.get(reverse("import_upload")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_large_import_runs_as_a_job_with_progress(owner, workspace, settings):
    from celery.contrib.testing.worker import start_worker

    from contentapp.celery import app

    persona = PersonaFactory(workspace=workspace, platform="x", timezone="UTC")
    settings.IMPORT_BACKGROUND_ABOVE = 100
    rows = "\n".join(
        f'"Post {n}: a thought about building products that is long enough.",'
        f"2024-01-{n % 28 + 1:02d},{n}"
        for n in range(150)
    )
    client = client_for(owner, workspace)
    upload(client, "many.csv", f"text,date,likes\n{rows}\n".encode())
    batch = ImportBatch.objects.get()
    assert batch.total == 150
    client.post(reverse("import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "queued"
    poll = client.get(reverse("import_detail", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and "Importing" in poll.content.decode()
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            deadline = time.monotonic() + 60
            while ImportBatch.objects.get(pk=batch.pk).status != "done":
                assert time.monotonic() < deadline, "the import job did not finish"
                time.sleep(0.2)
    finally:
        connections.close_all()
    assert Post.objects.filter(persona=persona).count() == 150
    poll = client.get(reverse("import_detail", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert poll.status_code == 286  # htmx stops polling
    assert "Imported 150 posts" in poll.content.decode()


@pytest.mark.django_db
def test_import_posts_command(persona, capsys):
    call_command("import_posts", "--persona", str(persona.pk), str(FIXTURES / "tweets.js"))
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "imported=2 duplicates=0 errors=0"
    call_command("import_posts", "--persona", str(persona.pk), str(FIXTURES / "tweets.js"))
    assert capsys.readouterr().out.strip().splitlines()[-1] == "imported=0 duplicates=2 errors=0"
    call_command(
        "import_posts",
        "--persona",
        str(persona.pk),
        "--format",
        "csv",
        str(FIXTURES / "renamed_columns.csv"),
    )
    captured = capsys.readouterr()
    assert captured.out.strip().splitlines()[-1] == "imported=2 duplicates=0 errors=1"
    assert "row 2: likes “forty” is not a whole number" in captured.err


@pytest.mark.django_db
def test_an_oversized_row_is_refused_by_number_and_the_rest_imports(owner_client, persona):
    giant = "word " * 1000  # 5,000 characters; LinkedIn allows 3,000
    data = (
        "text,date\n"
        '"A normal post that is long enough to be imported without trouble.",2024-01-01\n'
        f'"{giant}",2024-01-02\n'
        '"Another normal post, also long enough to be imported without trouble.",2024-01-03\n'
    ).encode()
    upload(owner_client, "mixed.csv", data)
    batch = ImportBatch.objects.get()
    assert (batch.total, batch.failed_rows) == (2, 1)
    bad = next(r for r in batch.rows if r["status"] == "error")
    assert bad["row"] == 2
    assert bad["errors"] == [
        "text is 4,999 characters; linkedin allows 3,000 (mark it as an article if it is one)"
    ]
    owner_client.post(reverse("import_confirm", args=[batch.pk]))
    assert Post.objects.filter(persona=persona).count() == 2


@pytest.mark.django_db
def test_an_import_whose_worker_died_is_taken_over_without_duplicates(persona, owner, settings):
    from datetime import timedelta

    from django.utils import timezone

    from posts.importing import import_prepare, import_run, stalled_import_ids
    from posts.services import posts_bulk_import

    text = "\n---\n".join(
        f"Post {n} is long enough to be imported as a training post." for n in range(5)
    )
    batch = import_prepare(
        persona=persona, user=owner, role="owner", data=text.encode(), filename="", fmt="paste"
    )
    # A first run wrote two posts, then its worker died, leaving the batch RUNNING.
    valid = [r for r in batch.rows if r["status"] == "ok"]
    from posts.rules import check_post

    posts_bulk_import(
        persona=persona,
        values=[
            check_post(r["raw"], platform="linkedin", timezone="UTC").values for r in valid[:2]
        ],
    )
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", updated_at=timezone.now())
    import_run(import_id=batch.pk)  # a redelivery while the lease is fresh does nothing
    assert ImportBatch.objects.get(pk=batch.pk).status == "running"
    assert stalled_import_ids() == []
    ImportBatch.objects.filter(pk=batch.pk).update(
        updated_at=timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61)
    )
    assert stalled_import_ids() == [batch.pk]  # the beat sweep hands it to a worker again
    import_run(import_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == "done" and batch.imported == 3
    assert Post.objects.filter(persona=persona).count() == 5
    assert stalled_import_ids() == []


@pytest.mark.django_db
def test_a_later_export_updates_the_numbers_and_keeps_their_history(owner_client, persona):
    text = "Pricing is a promise to your best customers, and they notice when you keep it."
    header = "text,posted_at,likes,comments\n"
    upload(owner_client, "first.csv", f'{header}"{text}",2026-01-05,10,1\n'.encode())
    owner_client.post(reverse("import_confirm", args=[ImportBatch.objects.get().pk]))
    post = Post.objects.get()
    assert (post.likes, post.comments) == (10, 1)

    again = upload(owner_client, "later.csv", f'{header}"{text}",2026-01-05,55,7\n'.encode())
    preview = owner_client.get(again.url).content.decode()
    assert "Rows not imported" not in preview  # nothing to fix
    assert "Rows to import" not in preview  # and no empty table
    assert "1 row already imported" in preview and "Update their numbers" in preview
    second = ImportBatch.objects.latest("pk")
    done = owner_client.post(reverse("import_confirm", args=[second.pk]), follow=True)
    assert "1 with newer numbers: updated" in done.content.decode()
    post.refresh_from_db()
    assert (post.likes, post.comments) == (55, 7)
    history = [(s.likes, s.comments) for s in post.snapshots.all()]
    assert history == [(10, 1), (55, 7)]
    csv_rows = owner_client.get(reverse("import_errors_csv", args=[second.pk])).content.decode()
    assert text not in csv_rows  # an already-imported row is not a row to fix

    # The same numbers again change nothing and add no snapshot.
    third = upload(owner_client, "same.csv", f'{header}"{text}",2026-01-05,55,7\n'.encode())
    owner_client.post(reverse("import_confirm", args=[ImportBatch.objects.latest("pk").pk]))
    assert post.snapshots.count() == 2 and third.status_code == 302
