import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

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
