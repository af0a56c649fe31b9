"""通报曝光: list of public notices and the form to publish typical cases."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from whirlwind import clock
from whirlwind.cases import casework
from whirlwind.cases.common import actor, labels_for, refs
from whirlwind.cases.models import Case, CaseStage, PublicNotice, PublicNoticeEntry
from whirlwind.cases.schemas import notice_schema, with_csrf
from whirlwind.forms import handle_form, make_form
from whirlwind.paginate import page_params, paginate
from whirlwind.scoping import scope
from whirlwind.security import Permission

DECIDED = [
    s.value for s in (CaseStage.DECISION, CaseStage.ANNOUNCED, CaseStage.EXECUTED, CaseStage.CLOSED)
]


@view_config(
    route_name="cases.notices",
    renderer="whirlwind:cases/templates/notices.jinja2",
    permission=Permission.CASES_VIEW,
)
def notice_list(request):
    stmt = (
        scope(select(PublicNotice), PublicNotice.org_id, request.identity)
        .options(selectinload(PublicNotice.entries).selectinload(PublicNoticeEntry.case))
        .order_by(PublicNotice.issued_on.desc(), PublicNotice.id.desc())
    )
    page = paginate(request.dbsession, stmt, *page_params(request))
    return {"page": page, "channels": labels_for(request, "notice_channel")}


@view_config(
    route_name="cases.notice_new",
    renderer="whirlwind:cases/templates/form.jinja2",
    permission=Permission.CASES_EDIT,
)
def notice_new(request):
    session = request.dbsession
    cases = list(
        session.scalars(
            scope(select(Case), Case.org_id, request.identity)
            .where(Case.stage.in_(DECIDED))
            .order_by(Case.decision_on.desc())
            .limit(500)
        )
    )
    case_choices = [(str(c.id), f"{c.number} {c.title}") for c in cases]
    form = make_form(
        request,
        with_csrf(notice_schema(refs(request), case_choices)),
        buttons=("发布通报",),
        formid="notice",
    )
    by_id = {str(c.id): c for c in cases}

    def on_success(data):
        chosen = [by_id[i] for i in sorted(data.pop("cases"))]
        notice = casework.create_public_notice(
            session,
            actor(request),
            org=request.identity.org,
            entries=[(c, None) for c in chosen],
            today=clock.today(),
            **data,
        )
        request.session.flash(f"已登记通报曝光“{notice.title}”。", "success")
        return HTTPFound(request.route_url("cases.notices"))

    preset = request.GET.get("case")
    appstruct = {"issued_on": clock.today(), "cases": {preset} if preset in by_id else set()}
    result = handle_form(request, form, on_success, appstruct=appstruct)
    if isinstance(result, dict):
        result.update(
            title="通报曝光",
            back=request.route_path("cases.notices"),
            note="只能通报已作出处分决定的案件。",
        )
    return result
