"""Hostile and odd files: every one gets a clear answer, none a 500, none a partial write."""

from __future__ import annotations

import csv
import io
import json
import struct
import tracemalloc
import zipfile

import pytest
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posts import parsers
from posts.models import ImportBatch, Post
from tests.factories import PersonaFactory, PostFactory
from tests.helpers import client_for
from tests.posts.conftest import upload

LONG = "This sentence is long enough to count as a real training post for the import. "


def zipped(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


def shares_csv(rows: int) -> bytes:
    return ("Date,ShareCommentary\n" + f"2024-01-01,{LONG}\n" * rows).encode()


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_without_unpacking_it(owner_client, persona, settings):
    settings.IMPORT_MAX_BYTES = 2 * 1024 * 1024
    bomb = zipped("Shares.csv", b"Date,ShareCommentary\n" + b"2024-01-01,aaaa\n" * 4_000_000)
    assert len(bomb) < 400_000  # ~64 MB of text in a small archive
    tracemalloc.start()
    response = upload(owner_client, "export.zip", bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert response.status_code == 422
    assert "unpack" in response.content.decode()
    assert peak < 30 * 1024 * 1024, peak  # never held the unpacked file
    assert not ImportBatch.objects.exists()


def test_an_archive_that_lies_about_its_size_stops_at_the_limit():
    honest = zipped("Shares.csv", shares_csv(2000))
    info = zipfile.ZipFile(io.BytesIO(honest)).infolist()[0]
    # Claim a tiny uncompressed size in both headers; what comes out is counted instead.
    lying = bytearray(honest)
    local, central = honest.find(b"PK\x03\x04"), honest.find(b"PK\x01\x02")
    struct.pack_into("<I", lying, local + 22, 10)
    struct.pack_into("<I", lying, central + 24, 10)
    with pytest.raises(parsers.UnreadableFile) as refused:
        parsers.parse(bytes(lying), max_bytes=info.file_size // 2)
    assert "damaged" in str(refused.value) or "unpack" in str(refused.value)


def _patched(data: bytes, *, flag: int | None = None, method: int | None = None) -> bytes:
    patched = bytearray(data)
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = data.find(signature)
        if flag is not None:
            struct.pack_into("<H", patched, at + flag_at, flag)
        if method is not None:
            struct.pack_into("<H", patched, at + method_at, method)
    return bytes(patched)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda z: _patched(z, flag=1), "password-protected"),
        (lambda z: _patched(z, method=99), "compressed with a method"),
        (lambda z: z[:60] + bytes([z[60] ^ 0xFF]) + z[61:], "damaged"),  # a flipped byte
        (lambda z: z[: len(z) // 2], "damaged"),  # cut short
    ],
    ids=["encrypted", "method-99", "bad-crc", "truncated"],
)
def test_broken_archives_get_a_clear_message(owner_client, persona, make, expected):
    response = upload(owner_client, "export.zip", make(zipped("Shares.csv", shares_csv(20))))
    assert response.status_code == 422
    assert expected in response.content.decode()


@pytest.mark.django_db
def test_the_row_limit_stops_reading_at_the_first_row_over_it(owner_client, persona, settings):
    settings.IMPORT_MAX_ROWS = 5
    response = upload(owner_client, "Shares.csv", shares_csv(50_000))
    assert response.status_code == 422
    assert "more than 5 posts" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("null.js", b"window.YTD.tweets.part0 = null", "no list of tweets"),
        ("utf16.csv", b"\xff\xfe" + b"\x00\xd8" * 1000, "says it is UTF-16 but byte"),
    ],
)
def test_files_that_crashed_the_reader_are_refused_plainly(
    owner_client, persona, name, data, expected
):
    response = upload(owner_client, name, data)
    assert response.status_code == 422
    assert expected in response.content.decode()


@pytest.mark.django_db
def test_odd_rows_become_row_errors_or_clean_posts(owner_client, persona):
    tweets = [
        {"tweet": "hello"},
        None,
        [1, 2],
        {"tweet": {"full_text": LONG, "created_at": "0001-01-01T00:00:00+14:00", "id_str": "1"}},
        {"tweet": {"full_text": LONG + "\ud800 lone surrogate", "id_str": "2"}},
    ]
    data = ("window.YTD.tweets.part0 = " + json.dumps(tweets)).encode()
    response = upload(owner_client, "tweets.js", data)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    statuses = [r["status"] for r in batch.rows]
    assert statuses == ["error", "error", "error", "ok", "ok"]
    assert "item is a str, not an object" in batch.rows[0]["errors"][0]
    assert "could not be read; used today" in batch.rows[3]["warnings"][0]
    done = owner_client.post(reverse("import_confirm", args=[batch.pk]), follow=True)
    assert done.status_code == 200
    assert Post.objects.filter(persona=persona).count() == 2
    assert Post.objects.filter(text__contains="\ufffd lone surrogate").exists()


@pytest.mark.django_db
def test_metrics_as_large_as_validation_allows_are_stored(owner_client, persona):
    data = json.dumps([{"text": LONG, "likes": 5_000_000_000, "comments": 10**12}]).encode()
    upload(owner_client, "posts.json", data)
    batch = ImportBatch.objects.get()
    assert batch.total == 1
    owner_client.post(reverse("import_confirm", args=[batch.pk]))
    post = Post.objects.get(persona=persona)
    assert (post.likes, post.comments) == (5_000_000_000, 10**12)
    too_many = json.dumps([{"text": LONG + " again", "likes": 10**12 + 1}]).encode()
    upload(owner_client, "more.json", too_many)
    assert "is not a whole number" in json.dumps(ImportBatch.objects.latest("id").rows)

    form = owner_client.post(
        reverse("post_create"), {"text": LONG + " typed by hand", "likes": "5000000000"}
    )
    assert form.status_code == 302
    assert Post.objects.get(text__endswith="typed by hand").likes == 5_000_000_000


@pytest.mark.django_db(transaction=True)
def test_a_background_import_that_fails_says_exactly_what_was_written(owner, workspace, settings):
    from posts.importing import import_confirm, import_prepare, import_run

    persona = PersonaFactory(workspace=workspace, platform="linkedin", timezone="UTC")
    settings.IMPORT_MAX_ROWS = 1000
    texts = [f"{LONG} number {n}" for n in range(300)]
    texts[249] = f"{LONG} and here the database says boom"
    data = json.dumps([{"text": t} for t in texts]).encode()
    batch = import_prepare(
        persona=persona, user=owner, role="owner", data=data, filename="x.json", fmt="json"
    )
    # A fault inside PostgreSQL itself, as a full disk or a killed connection would be.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_boom() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'boom'; END $$;"
            "CREATE TRIGGER test_boom BEFORE INSERT ON posts_post FOR EACH ROW "
            "WHEN (NEW.text LIKE '%says boom') EXECUTE FUNCTION test_boom();"
        )
    try:
        import_confirm(batch=batch, role="owner")  # 300 rows: queued for a worker
        import_run(import_id=batch.pk)  # what the worker does
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER test_boom ON posts_post; DROP FUNCTION test_boom();")
    batch.refresh_from_db()
    written = Post.objects.filter(persona=persona).count()
    assert written == 200  # the first chunk; the second rolled back whole
    assert batch.status == "failed" and batch.imported == written
    assert "stopped after 200 posts" in batch.error


@pytest.mark.django_db
def test_the_problem_report_cannot_run_formulas(owner_client, persona):
    data = json.dumps(
        [{"text": "=1+1"}, {"text": "-2+3"}, {"text": "@SUM(A1)"}, {"text": "+cmd"}]
    ).encode()
    upload(owner_client, "posts.json", data)
    batch = ImportBatch.objects.get()
    report = owner_client.get(reverse("import_errors_csv", args=[batch.pk])).content.decode()
    texts = [row[2] for row in list(csv.reader(io.StringIO(report)))[1:]]
    assert texts == ["'=1+1", "'-2+3", "'@SUM(A1)", "'+cmd"]


@pytest.mark.django_db
def test_a_date_the_form_cannot_read_is_an_error_not_today(owner_client, persona):
    response = owner_client.post(
        reverse("post_create"), {"text": LONG, "posted_at": "next tuesday-ish"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "is not a date we can read" in page and "next tuesday-ish" in page
    assert not Post.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("generate", {"topic": ""}),
        ("post_create", {"text": ""}),
        ("import_upload", {}),
        ("workspace_rename", {"name": ""}),
        ("invitation_create", {"email": "not an email"}),
        ("voice_overlays", {"name": ""}),
    ],
)
def test_a_viewer_is_refused_before_the_form_is_read(viewer, workspace, persona, url_name, data):
    response = client_for(viewer, workspace).post(reverse(url_name), data)
    assert response.status_code == 403


# --- Every parser, any bytes ------------------------------------------------------------------

FORMATS = ["auto", "paste", "csv", "json", "linkedin", "x"]
any_file = st.one_of(
    st.binary(max_size=2000),
    st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b),
    st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=40),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=20,
    ).map(lambda v: json.dumps(v).encode()),
    st.text(max_size=300).map(lambda t: ("window.YTD.tweets.part0 = " + t).encode()),
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=any_file, fmt=st.sampled_from(FORMATS))
def test_any_bytes_give_rows_or_a_clear_refusal(data, fmt):
    try:
        parsed = parsers.parse(data, fmt, max_bytes=1024 * 1024, max_rows=50)
    except parsers.UnreadableFile as refusal:
        assert str(refusal).strip()
        return
    assert parsed.rows and len(parsed.rows) <= 50
    for row in parsed.rows:
        for value in row.values.values():
            if isinstance(value, str):
                assert "\x00" not in value
                value.encode("utf-8")  # storable: no lone surrogates


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=any_file, fmt=st.sampled_from(FORMATS))
def test_any_upload_previews_or_is_refused_and_writes_no_post(data, fmt):
    persona = PersonaFactory(platform="linkedin", timezone="UTC")
    PostFactory(persona=persona)
    from accounts.models import Membership

    owner = Membership.objects.get(workspace=persona.workspace, role="owner").user
    client = client_for(owner, persona.workspace)
    response = upload(client, "file", data, fmt)
    assert response.status_code in (302, 422)
    assert Post.objects.filter(persona=persona).count() == 1  # a preview writes nothing
