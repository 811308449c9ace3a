from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse


@pytest.fixture
def persona_timezone():
    """The posts tests' persona is in UTC."""
    return "UTC"


def upload(client, name: str, data: bytes, fmt: str = "auto"):
    """The import page's file upload, as a browser sends it."""
    return client.post(
        reverse("import_upload"), {"file": SimpleUploadedFile(name, data), "format": fmt}
    )
