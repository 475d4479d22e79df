"""Every attachment test writes its files into its own temporary storage, never into var/files/."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def file_storage(settings, tmp_path):
    location = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location

