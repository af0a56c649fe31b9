"""Storing evidence files.

Files are kept under ``whirlwind.attachments_dir`` by SHA-256 (``ab/abcdef…``), so the
same file uploaded twice is stored once; name, type, size and uploader are in the
database. Type is checked by extension *and* by the file's first bytes, size against
``whirlwind.upload_max_bytes``; the name a user gave is reduced to a safe base name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata

from sqlalchemy import select

from whirlwind.attachments.models import Attachment
from whirlwind.errors import TooLarge, ValidationFailed
from whirlwind.settings import as_int

OOXML = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0"
# extension -> (content type, accepted leading bytes)
ALLOWED = {
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (OOXML,)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (OOXML,)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (OOXML,)),
    "doc": ("application/msword", (OLE,)),
    "xls": ("application/vnd.ms-excel", (OLE,)),
    "ppt": ("application/vnd.ms-powerpoint", (OLE,)),
}
ALLOWED_TEXT = "照片（jpg/png/gif）、PDF 或 Office 文件（doc/docx/xls/xlsx/ppt/pptx）"
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "application/pdf"}


def safe_filename(name: str) -> str:
    """The base name only, without path parts, control characters or leading dots."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = name.strip().lstrip(".").strip()
    return name[:200] or "file"


def _storage_path(base: str, sha: str) -> str:
    return os.path.join(base, sha[:2], sha)


def check_upload(filename: str, head: bytes, size: int, max_bytes: int) -> tuple[str, str]:
    name = safe_filename(filename)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationFailed(
            f"不支持的文件类型“{name}”，只能上传{ALLOWED_TEXT}。", fields={"file": "类型不支持"}
        )
    if size == 0:
        raise ValidationFailed("上传的文件是空的。", fields={"file": "空文件"})
    if size > max_bytes:
        raise TooLarge(
            f"文件过大（{size / 1048576:.1f} MB），单个文件不能超过 {max_bytes / 1048576:.0f} MB。",
            fields={"file": "文件过大"},
        )
    content_type, magics = ALLOWED[ext]
    if not any(head.startswith(m) for m in magics):
        raise ValidationFailed(
            f"文件“{name}”的内容与扩展名不符。", fields={"file": "内容与类型不符"}
        )
    return name, content_type


def store(
    session,
    settings,
    *,
    fileobj,
    filename: str,
    owner_type: str,
    owner_id: int,
    org_id: int,
    uploader_id: int | None,
) -> Attachment:
    """Check and store one uploaded file; raises before anything is written."""
    max_bytes = as_int(settings, "whirlwind.upload_max_bytes", 10 * 1024 * 1024)
    base = settings["whirlwind.attachments_dir"]
    os.makedirs(base, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp = tempfile.mkstemp(dir=base, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := fileobj.read(1 << 16):
                if not head:
                    head = chunk[:16]
                size += len(chunk)
                if size > max_bytes:
                    break
                digest.update(chunk)
                out.write(chunk)
        name, content_type = check_upload(filename, head, size, max_bytes)
        sha = digest.hexdigest()
        path = _storage_path(base, sha)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    attachment = Attachment(
        owner_type=owner_type,
        owner_id=owner_id,
        org_id=org_id,
        sha256=sha,
        filename=name,
        content_type=content_type,
        size=size,
        uploaded_by_id=uploader_id,
    )
    session.add(attachment)
    session.flush()
    return attachment


def check_file(request, field: str) -> None:
    """Check the file posted in ``field`` (if any) without storing it: type, content and
    size, raising the same errors as :func:`store`. Lets a view refuse a bad file before
    it writes the record the file belongs to."""
    upload = request.POST.get(field)
    if upload is None or not hasattr(upload, "file") or not getattr(upload, "filename", ""):
        return
    max_bytes = as_int(request.registry.settings, "whirlwind.upload_max_bytes", 10 * 1024 * 1024)
    fileobj = upload.file
    start = fileobj.tell()
    head = fileobj.read(16)
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell() - start
    fileobj.seek(start)
    check_upload(upload.filename, head, size, max_bytes)


def store_upload(
    request, field: str, *, owner_type: str, owner_id: int, org_id: int, required: bool = False
) -> Attachment | None:
    """Store the file posted in ``field`` (if any) for the acting user."""
    upload = request.POST.get(field)
    if upload is None or not hasattr(upload, "file") or not getattr(upload, "filename", ""):
        if required:
            raise ValidationFailed("请选择要上传的佐证材料。", fields={field: "必填"})
        return None
    identity = request.identity
    return store(
        request.dbsession,
        request.registry.settings,
        fileobj=upload.file,
        filename=upload.filename,
        owner_type=owner_type,
        owner_id=owner_id,
        org_id=org_id,
        uploader_id=identity.id if identity else None,
    )


def for_owner(session, owner_type: str, owner_ids) -> dict[int, list[Attachment]]:
    """Attachments of many owners in one query (no N+1), grouped by owner id."""
    ids = list(owner_ids)
    result: dict[int, list[Attachment]] = {i: [] for i in ids}
    if not ids:
        return result
    stmt = (
        select(Attachment)
        .where(Attachment.owner_type == owner_type, Attachment.owner_id.in_(ids))
        .order_by(Attachment.id)
    )
    for a in session.scalars(stmt):
        result[a.owner_id].append(a)
    return result


def file_path(settings, attachment: Attachment) -> str:
    return _storage_path(settings["whirlwind.attachments_dir"], attachment.sha256)
