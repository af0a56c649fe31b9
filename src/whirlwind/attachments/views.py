"""Download of an evidence file, inside the caller's jurisdiction only."""

from __future__ import annotations

from urllib.parse import quote

from pyramid.response import FileResponse
from pyramid.view import view_config

from whirlwind.attachments.models import Attachment
from whirlwind.attachments.services import INLINE_TYPES, file_path
from whirlwind.errors import NotFound
from whirlwind.scoping import get_visible
from whirlwind.security import Permission

# Reading an attachment needs the permission that reads its owner; default: the ledger.
OWNER_PERMISSIONS = {
    "clue": Permission.CASES_VIEW,
    "case": Permission.CASES_VIEW,
    "audit": Permission.AUDITS_VIEW,
    "finding": Permission.AUDITS_VIEW,
    "disclosure_record": Permission.DISCLOSURE_VIEW,
    "disclosure_check": Permission.DISCLOSURE_VIEW,
}


@view_config(route_name="attachments.download", permission=Permission.ORGS_VIEW)
def download(request):
    attachment = get_visible(
        request.dbsession, request.identity, Attachment, request.matchdict["id"]
    )
    needed = OWNER_PERMISSIONS.get(attachment.owner_type, Permission.LEDGER_VIEW)
    if not request.identity.can(needed):
        raise NotFound("记录不存在或不在您的管辖范围内。")
    response = FileResponse(
        file_path(request.registry.settings, attachment),
        request=request,
        content_type=attachment.content_type,
    )
    disposition = "inline" if attachment.content_type in INLINE_TYPES else "attachment"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename*=UTF-8''{quote(attachment.filename)}"
    )
    return response
