from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import PersonaFactory


@pytest.fixture
def persona(workspace):
    """A LinkedIn persona in UTC in the owner's workspace."""
    return PersonaFactory(workspace=workspace, platform="linkedin", timezone="UTC")


def upload(client, name: str, data: bytes, fmt: str = "auto"):
    """The import page's file upload, as a browser sends it."""
    return client.post(
        reverse("import_upload"), {"file": SimpleUploadedFile(name, data), "format": fmt}
    )
