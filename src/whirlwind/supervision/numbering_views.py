"""Administration of document-number prefixes (发文机关代字) per issuing unit."""

from __future__ import annotations

import colander
from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from whirlwind import numbering
from whirlwind.errors import NotFound, ValidationFailed
from whirlwind.orgs.models import Org
from whirlwind.security import Permission
from whirlwind.supervision.dates import this_year

TEMPLATES = "whirlwind:supervision/templates/"


class PrefixSchema(colander.MappingSchema):
    org_id = colander.SchemaNode(colander.Integer(), missing_msg="请选择单位")
    prefix = colander.SchemaNode(colander.String(), missing_msg="请填写发文机关代字")


def _rows(request):
    session = request.dbsession
    configured = {
        row.org_id: row.prefix
        for row in session.query(numbering.NumberPrefix).all()  # a few hundred units at most
    }
    year = this_year()
    rows = []
    for org in numbering.issuing_units(session, request.identity):
        prefix = configured.get(org.id) or numbering.default_prefix(org)
        rows.append(
            {
                "org": org,
                "prefix": prefix,
                "configured": org.id in configured,
                "example": numbering.format_number(prefix, "督", year, 1),
            }
        )
    return rows


@view_config(
    route_name="supervision.numbering",
    request_method="GET",
    permission=Permission.REFERENCE_MANAGE,
    renderer=TEMPLATES + "numbering.jinja2",
)
def numbering_index(request):
    return {
        "rows": _rows(request),
        "kinds": list(numbering.KINDS.values()),
        "year": this_year(),
    }


@view_config(
    route_name="supervision.numbering",
    request_method="POST",
    permission=Permission.REFERENCE_MANAGE,
    renderer=TEMPLATES + "numbering.jinja2",
)
def numbering_set(request):
    try:
        data = PrefixSchema().deserialize(dict(request.POST.items()))
    except colander.Invalid as e:
        raise ValidationFailed("；".join(e.asdict().values())) from None
    org = request.dbsession.get(Org, data["org_id"])
    if org is None or org.level not in ("city", "district", "street"):
        raise NotFound("单位不存在。")
    row = numbering.set_unit_prefix(request.dbsession, org, data["prefix"])
    request.session.flash(f"已设置{org.name}的发文机关代字：{row.prefix}。", "success")
    return HTTPFound(request.route_url("supervision.numbering"))
