import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

# The local S3 endpoint (moto's server) and a bucket as the default storage, for test_s3.py.
from tests.test_s3_storage import s3_endpoint, s3_storage  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"x" * 100


def upload_of(name: str, content: bytes, content_type: str = "text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def media(settings):
    """What the local storage holds under files/."""
    root = settings.MEDIA_ROOT / "files"

    def listing() -> list[str]:
        if not root.exists():
            return []
        return sorted(
            str(p.relative_to(settings.MEDIA_ROOT)) for p in root.rglob("*") if p.is_file()
        )

    return listing
