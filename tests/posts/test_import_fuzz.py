"""Property-based: whatever rows a file holds, the import never fails a row silently.

Property-based: whatever rows a CSV or JSON file holds, the import never errors out, never
writes part of a row, and every problem names its row."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posts.models import ImportBatch, Post
from tests.factories import PersonaFactory, UserFactory
from tests.helpers import client_for, personal_workspace

cell = st.one_of(
    st.text(max_size=120),
    st.text(alphabet="abc ,;\"\n\r'é😀\t", min_size=40, max_size=200),
    st.integers(min_value=-5, max_value=10**6).map(str),
    st.just(""),
)
row = st.fixed_dictionaries({"text": cell, "date": cell, "likes": cell, "comments": cell})
rows = st.lists(row, min_size=1, max_size=12)


def as_csv(records: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["text", "date", "likes", "comments"])
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode()


def as_json(records: list[dict[str, str]]) -> bytes:
    return json.dumps(records, ensure_ascii=False).encode()


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(records=rows, encode=st.sampled_from([as_csv, as_json]))
def test_upload_never_fails_never_writes_part_of_a_row(records, encode):
    user = UserFactory()
    workspace = personal_workspace(user)
    persona = PersonaFactory(workspace=workspace, platform="linkedin", timezone="UTC")
    client = client_for(user, workspace)
    data = encode(records)
    response = client.post(
        reverse("import_upload"), {"file": io.BytesIO(data), "format": "auto"}, format="multipart"
    )
    assert response.status_code in (302, 422), response.status_code
    batch = ImportBatch.objects.filter(persona=persona).first()
    if batch is None:  # the file as a whole was refused, with a reason shown
        assert response.status_code == 422
        return
    numbers = [r["row"] for r in batch.rows]
    assert numbers == sorted(set(numbers)) and all(1 <= n <= len(records) for n in numbers)
    for r in batch.rows:
        assert r["status"] in {"ok", "error", "duplicate"}
        if r["status"] == "error":
            assert r["errors"], f"row {r['row']} has no reason"
    client.post(reverse("import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    stored = list(Post.objects.filter(persona=persona).values_list("text", flat=True))
    expected = [r["text"] for r in batch.rows if r["status"] == "ok"]
    assert sorted(stored) == sorted(expected)  # each valid row whole, nothing else
    assert batch.imported == len(expected)
