"""Progress photos (issue 15): a decompression bomb is refused from its header, and what is stored is
re-encoded from the pixels, so nothing hidden in the uploaded file is kept or served."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image, PngImagePlugin

from dispatch import services
from dispatch.models import ReportPhoto
from tests.dispatch.conftest import fill

HIDDEN = b"<script>alert('xss')</script>"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 12_500, height: int = 12_500) -> bytes:
    """A valid 1-bit grey PNG of width × height black pixels: about 19 KB that decode to 156 megapixels."""
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte, then the packed bits
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def upload(content: bytes, name: str):
    buffer = io.BytesIO(content)
    buffer.name = name
    buffer.size = len(content)
    return buffer


def jpeg_with_comment() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "navy").save(buffer, "JPEG")
    data = buffer.getvalue()
    comment = b"\xff\xfe" + struct.pack(">H", len(HIDDEN) + 2) + HIDDEN  # a COM segment after SOI
    return data[:2] + comment + data[2:]


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", HIDDEN.decode())
    buffer = io.BytesIO()
    Image.new("RGBA", (64, 48), (0, 128, 0, 128)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


@pytest.fixture
def report(listed_a, reporter_a):
    period = services.period_get_or_create(year=2026, month=11)
    report = services.report_get_or_create(period=period, project=listed_a, acting_user=reporter_a)
    fill(report, reporter_a)
    return report


def test_a_decompression_bomb_is_refused_before_it_is_decoded(report, reporter_a, monkeypatch):
    bomb = png_bomb()
    assert len(bomb) < 40 * 1024

    def never_decode(self, *args, **kwargs):
        raise AssertionError("the bomb's pixels were decoded")

    monkeypatch.setattr(Image.Image, "load", never_decode)  # refusing must not need the pixels
    with pytest.raises(ValidationError) as refused:
        services.photo_add(report=report, upload=upload(bomb, "site.png"), caption="", acting_user=reporter_a)

    assert refused.value.code == "too_many_pixels"
    assert "12500×12500像素，超过允许的4000万像素" in refused.value.messages[0]
    assert not ReportPhoto.objects.exists()


def test_the_bomb_is_refused_through_the_page_with_the_message(client, report, reporter_a):
    from django.urls import reverse

    client.force_login(reporter_a)
    url = reverse("dispatch:photo_upload", args=[report.pk])
    response = client.post(url, {f"photo{report.pk}-image": upload(png_bomb(), "site.png")}, follow=True)

    assert "超过允许的4000万像素" in response.content.decode()
    assert not ReportPhoto.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "extension"),
    [(jpeg_with_comment(), "site.jpg", ".jpg"), (png_with_text(), "site.png", ".png")],
    ids=["jpeg-comment", "png-text-chunk"],
)
def test_accepted_photos_are_re_encoded_without_what_was_hidden_in_them(report, reporter_a, content, name, extension):
    assert HIDDEN in content

    photo = services.photo_add(report=report, upload=upload(content, name), caption="现场", acting_user=reporter_a)

    with photo.image.open("rb") as stored_file:
        stored = stored_file.read()
    assert HIDDEN not in stored and b"<script" not in stored
    assert photo.image.name.endswith(extension)
    with Image.open(io.BytesIO(stored)) as picture:
        assert picture.size == (64, 48)
        assert not picture.info.get("comment") and "Comment" not in picture.info
    if extension == ".png":
        with Image.open(io.BytesIO(stored)) as picture:
            assert picture.mode == "RGBA"  # transparency kept


def test_the_camera_orientation_is_applied_before_the_metadata_goes(report, reporter_a):
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    Image.new("RGB", (80, 40), "red").save(buffer, "JPEG", exif=exif)

    photo = services.photo_add(
        report=report, upload=upload(buffer.getvalue(), "site.jpg"), caption="", acting_user=reporter_a
    )

    with Image.open(photo.image.path) as picture:
        assert picture.size == (40, 80)
        assert 0x0112 not in picture.getexif()
