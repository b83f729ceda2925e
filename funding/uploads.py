"""Attachments and vouchers: size-limited, and their type read from the content, not from the name.

A file is accepted when its first bytes are those of an allowed format *and* its extension names
that format, so a renamed executable ("报告.pdf") or a PDF called "x.exe" is refused alike.
"""

import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Checked:
    name: str  # the original name, shortened to fit
    content_type: str
    size: int


def max_bytes() -> int:
    return getattr(settings, "MAX_FUNDING_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES)


def _sniff(head: bytes, upload) -> str | None:
    """The format the content is, or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"  # the old Word / Excel container
    if head.startswith(b"PK\x03\x04"):
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    return None


# extension → (sniffed format, content type)
ALLOWED = {
    "pdf": ("pdf", "application/pdf"),
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "doc": ("ole", "application/msword"),
    "xls": ("ole", "application/vnd.ms-excel"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
ALLOWED_TEXT = "PDF、JPG、PNG、Word（doc/docx）、Excel（xls/xlsx）"


def check_upload(upload, *, what: str = "附件") -> Checked:
    """Refuse an empty, oversized or disguised file with a Chinese message; the checked facts otherwise."""
    limit = max_bytes()
    size = upload.size
    if not size:
        raise ValidationError(f"{what}是空文件。")
    if size > limit:
        raise ValidationError(f"{what}超过 {limit // (1024 * 1024)} MB，请压缩后再上传。")
    name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    upload.seek(0)
    head = upload.read(16)
    sniffed = _sniff(head, upload)
    upload.seek(0)
    expected = ALLOWED.get(extension)
    if expected is None or sniffed != expected[0]:
        raise ValidationError(f"{what}“{name}”不是允许的文件类型（内容与扩展名须一致）：只接受 {ALLOWED_TEXT}。")
    if len(name) > 200:
        name = name[:190] + "." + extension
    return Checked(name=name, content_type=expected[1], size=size)
