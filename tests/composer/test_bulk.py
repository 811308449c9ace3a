"""Bulk scheduling: a CSV previewed row by row, then every good row scheduled once.

Bulk scheduling: a CSV previewed row by row with each row's problems in words, then every
good row scheduled once, its image URLs fetched through the egress path (a loopback server
here), a failing row said and the rest going ahead."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from composer import bulk
from composer.models import BulkRow, BulkUpload
from core.spreadsheet import csv_text
from publishing.models import Publication
from tests.factories import PublishingAccountFactory, png_bytes
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
LISBON = ZoneInfo("Europe/Lisbon")


@contextmanager
def image_server():
    """Serves /chart.png (a real PNG) and 404 for anything else."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/chart.png":
                body = png_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture
def practice(workspace):
    return PublishingAccountFactory(workspace=workspace, platform="sandbox", name="Practice")


@pytest.fixture
def x(workspace):
    return PublishingAccountFactory(workspace=workspace, platform="x", name="@me")


def _future(days: int, at: str = "09:00") -> str:
    day = (timezone.now().astimezone(LISBON) + timedelta(days=days)).date()
    return f"{day:%Y-%m-%d} {at}"


def _upload(client, rows, name="posts.csv"):
    data = csv_text([bulk.TEMPLATE_HEADER, *rows]).encode()
    return client.post(reverse("bulk_upload"), {"file": SimpleUploadedFile(name, data)})


def test_the_preview_says_each_rows_problems(owner, workspace, persona, practice, x):
    client = client_for(owner, workspace)
    response = _upload(
        client,
        [
            ["Good one.", _future(2), "Practice", "", ""],
            ["Too long for X. " * 30, _future(2, "10:00"), "@me; Practice", "", ""],
            ["In the past.", "2020-01-01 09:00", "Practice", "", ""],
            ["Unknown account.", _future(3), "@nobody", "", ""],
            ["", _future(3), "Practice", "", ""],
            ["Bad image.", _future(4), "Practice", "ftp://example.com/a.png", ""],
            ["Not a time.", "next tuesday", "Practice", "", ""],
            ["Good one.", _future(2), "Practice", "", ""],
        ],
    )
    upload = BulkUpload.objects.get()
    assert response["Location"] == reverse("bulk_preview", args=[upload.pk])
    problems = {r.line: " ".join(r.problems) for r in upload.rows.all()}
    assert problems[1] == ""
    assert "@me:" in problems[2] and "280" in problems[2]
    assert "has passed" in problems[3]
    assert "Unknown account “@nobody”: yours are" in problems[4]
    assert problems[5] == "No text."
    assert "Only http:// and https://" in problems[6]
    assert "“next tuesday” is not a time" in problems[7]
    assert "same post at the same time as row 1" in problems[8]
    page = client.get(response["Location"]).content.decode()
    assert "Schedule the 1 good row" in page and "7 with problems" in page
    fix = client.get(reverse("bulk_problems", args=[upload.pk])).content.decode()
    assert "next tuesday" in fix and "is not a time" in fix  # what was typed, and why


def test_a_time_the_clocks_skip_is_refused():
    moment, problem = bulk.when_of("2027-03-28 01:30", LISBON)  # clocks go 01:00 → 02:00
    assert moment is None and "does not exist in Europe/Lisbon" in problem
    moment, problem = bulk.when_of("2027-03-28T09:00+05:30", LISBON)
    assert problem == "" and moment.utcoffset() == timedelta(hours=5, minutes=30)


def test_whole_file_problems_are_said_and_nothing_is_made(owner, workspace, persona):
    client = client_for(owner, workspace)
    no_time = csv_text([["text", "accounts"], ["A post", "Practice"]]).encode()
    response = client.post(reverse("bulk_upload"), {"file": SimpleUploadedFile("a.csv", no_time)})
    assert response.status_code == 422 and "No time column" in response.content.decode()
    broken = "text,time,accounts\n".encode("utf-16")[:-1]
    response = client.post(reverse("bulk_upload"), {"file": SimpleUploadedFile("b.csv", broken)})
    assert response.status_code == 422
    assert not BulkUpload.objects.exists()


def test_good_rows_are_scheduled_once_with_their_images(owner, workspace, persona, practice):
    client = client_for(owner, workspace)
    with image_server() as base:
        _upload(
            client,
            [
                ["With a chart.", _future(2), "Practice", f"{base}/chart.png", "More below."],
                ["Image gone.", _future(3), "Practice", f"{base}/missing.png", ""],
                ["Plain.", "2099-01-01T09:00:00+00:00", "practice", "", ""],
            ],
        )
        upload = BulkUpload.objects.get()
        client.post(reverse("bulk_schedule", args=[upload.pk]))
        bulk.bulk_run(upload_id=upload.pk)
        bulk.bulk_run(upload_id=upload.pk)  # delivered twice: nothing more happens
    upload.refresh_from_db()
    assert upload.status == "done"
    chart = Publication.objects.get(text="With a chart.")
    assert chart.scheduled_at == datetime.strptime(_future(2), "%Y-%m-%d %H:%M").replace(
        tzinfo=LISBON
    )
    assert chart.images.count() == 1 and chart.first_comment == "More below."
    assert Publication.objects.get(text="Plain.").scheduled_at.year == 2099
    failed = BulkRow.objects.get(line=2)
    assert failed.publication is None and "answered 404" in failed.failure
    assert Publication.objects.count() == 2
    page = client.get(reverse("bulk_preview", args=[upload.pk])).content.decode()
    assert "Scheduled 2 of 3 good rows" in page and "answered 404" in page
    again = client.post(reverse("bulk_schedule", args=[upload.pk]), follow=True)
    assert "being scheduled already" in again.content.decode()


def test_an_image_on_a_private_address_is_refused_when_fetched(
    owner, workspace, persona, practice, settings
):
    settings.ALLOW_PRIVATE_HOSTS = []
    client = client_for(owner, workspace)
    _upload(client, [["Sneaky.", _future(2), "Practice", "http://127.0.0.1:9/admin.png", ""]])
    upload = BulkUpload.objects.get()
    bulk.bulk_schedule(upload=upload, role="owner")
    bulk.bulk_run(upload_id=upload.pk)
    row = upload.rows.get()
    assert row.publication is None and "127.0.0.1" in row.failure


def test_the_template_reads_back(owner, workspace, persona, practice):
    client = client_for(owner, workspace)
    template = client.get(reverse("bulk_template")).content.decode()
    assert template.splitlines()[0] == ",".join(bulk.TEMPLATE_HEADER)
    upload = bulk.bulk_preview(
        persona=persona, user=owner, role="owner", data=template.encode(), filename="t.csv"
    )
    rows = list(upload.rows.all())
    assert len(rows) == 2 and rows[1].text.count("\n---\n") == 1


def test_a_viewer_cannot_upload_or_schedule(owner, viewer, workspace, persona, practice):
    client = client_for(viewer, workspace)
    assert _upload(client, [["A post.", _future(2), "Practice", "", ""]]).status_code == 403
    upload = bulk.bulk_preview(
        persona=persona,
        user=owner,
        role="owner",
        data=csv_text([bulk.TEMPLATE_HEADER, ["A post.", _future(2), "Practice"]]).encode(),
        filename="a.csv",
    )
    assert client.post(reverse("bulk_schedule", args=[upload.pk])).status_code == 403


def test_the_rows_to_fix_read_back_as_they_were_typed(owner, workspace, persona, practice, x):
    client = client_for(owner, workspace)
    _upload(client, [["Fix my account.", _future(2), "@me; Practice; @ghost", "", ""]])
    fix = client.get(reverse("bulk_problems", args=[BulkUpload.objects.get().pk])).content
    again = bulk.bulk_preview(persona=persona, user=owner, role="owner", data=fix, filename="f.csv")
    row = again.rows.get()
    assert row.typed_accounts == "@me; Practice; @ghost"  # not the escaped "'@me…"
    assert row.text == "Fix my account." and "Columns not used: row, problem." in again.notes
