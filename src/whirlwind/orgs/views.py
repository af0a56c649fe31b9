"""Org administration pages (组织机构管理): tree, detail, add, edit, rename, move, merge,
deactivate, delete of unused units, and import. Everything is limited to the user's
jurisdiction: a unit outside it answers 404."""

from __future__ import annotations

from collections import Counter, defaultdict

from pyramid.httpexceptions import HTTPFound
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import func, or_, select

from whirlwind import changelog, clock
from whirlwind.excel import add_sheet, new_workbook, workbook_response
from whirlwind.forms import handle_form, make_form
from whirlwind.guards import check_version
from whirlwind.orgs import schemas, services
from whirlwind.orgs.importer import EXAMPLE_CSV, ImportFailed, import_orgs, read_table
from whirlwind.orgs.models import ORG_LEVEL_LABELS, ORG_LEVEL_RANK, PARTY_ORG_TYPES, Org, OrgLevel
from whirlwind.orgs.services import contains_pattern
from whirlwind.paginate import page_params, paginate
from whirlwind.reference.services import choices as ref_choices
from whirlwind.reference.services import request_labels
from whirlwind.scoping import get_visible, in_jurisdiction, scope
from whirlwind.security import Permission

TEMPLATES = "whirlwind:orgs/templates/"
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _org(request) -> Org:
    return get_visible(
        request.dbsession, request.identity, Org, request.matchdict["id"], org_attr="id"
    )


def _unit(request, value) -> Org:
    """A unit chosen in a form: must lie in the jurisdiction (404 otherwise)."""
    return get_visible(request.dbsession, request.identity, Org, value, org_attr="id")


def _filtered(request):
    """The scoped query of the index's filters (shared by the page and the export)."""
    params = request.params
    stmt = scope(select(Org), Org.id, request.identity)
    q = (params.get("q") or "").strip()
    if q:
        like = contains_pattern(q)
        stmt = stmt.where(
            or_(Org.name.like(like, escape="\\"), Org.code.like(like[1:], escape="\\"))
        )
    level = params.get("level") or ""
    if level in ORG_LEVEL_LABELS:
        stmt = stmt.where(Org.level == level)
    status = params.get("status") or ""
    if status == "active":
        stmt = stmt.where(Org.active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(Org.active.is_(False))
    return stmt.order_by(Org.code), bool(q or level or status)


@view_config(
    route_name="orgs.index", permission=Permission.ORGS_MANAGE, renderer=TEMPLATES + "index.jinja2"
)
def index(request):
    session = request.dbsession
    stmt, filtered = _filtered(request)
    if request.params.get("format") == "xlsx":
        return _export(request, stmt)
    counts = dict(
        session.execute(
            scope(select(Org.level, func.count()), Org.id, request.identity)
            .where(Org.active.is_(True))
            .group_by(Org.level)
        ).all()
    )
    level_counts = [(ORG_LEVEL_LABELS[lv], counts.get(str(lv), 0)) for lv in OrgLevel]
    result = {
        "level_counts": level_counts,
        "filtered": filtered,
        "levels": ORG_LEVEL_LABELS,
        "params": request.params,
    }
    if filtered:
        page, size = page_params(request)
        result["page"] = paginate(session, stmt, page, size)
        return result
    # The whole tree of the jurisdiction, built from one query.
    orgs = list(session.scalars(stmt))
    children = defaultdict(list)
    ids = {o.id for o in orgs}
    roots = []
    for o in orgs:
        if o.parent_id in ids:
            children[o.parent_id].append(o)
        else:
            roots.append(o)
    sizes: Counter = Counter()

    def count(o):
        sizes[o.id] = sum(1 + count(c) for c in children[o.id])
        return sizes[o.id]

    for r in roots:
        count(r)
    try:
        depth = max(1, min(4, int(request.params.get("depth", 2))))
    except ValueError:
        depth = 2
    result.update(roots=roots, children=children, sizes=sizes, depth=depth)
    return result


def _export(request, stmt):
    wb = new_workbook()
    orgs = list(request.dbsession.scalars(stmt))
    by_id = {o.id: o for o in orgs}
    missing = {o.parent_id for o in orgs if o.parent_id and o.parent_id not in by_id}
    missing |= {
        o.merged_into_id for o in orgs if o.merged_into_id and o.merged_into_id not in by_id
    }
    if missing:
        by_id.update(
            {o.id: o for o in request.dbsession.scalars(select(Org).where(Org.id.in_(missing)))}
        )
    rows = [
        (
            o.code,
            o.name,
            o.level_label,
            by_id[o.parent_id].code if o.parent_id else "",
            o.party_org_name,
            PARTY_ORG_TYPES.get(o.party_org_type, ""),
            "启用" if o.active else "停用",
            by_id[o.merged_into_id].name if o.merged_into_id else "",
        )
        for o in orgs
    ]
    add_sheet(
        wb,
        "组织机构",
        ["编码", "名称", "层级", "上级编码", "党组织名称", "党组织类型", "状态", "已并入"],
        rows,
    )
    return workbook_response(wb, f"组织机构-{clock.today():%Y%m%d}.xlsx")


@view_config(
    route_name="orgs.detail",
    permission=Permission.ORGS_MANAGE,
    renderer=TEMPLATES + "detail.jinja2",
)
def detail(request):
    session = request.dbsession
    org = _org(request)
    counts = services.record_counts(session, org.id)
    names = services.name_history(session, org)
    # Units referred to from this page, limited to the jurisdiction like everything else.
    related = {n.parent_id for n in names if n.parent_id} | {org.merged_into_id} - {None}
    visible = (
        {
            o.id: o
            for o in session.scalars(
                scope(select(Org).where(Org.id.in_(related)), Org.id, request.identity)
            )
        }
        if related
        else {}
    )
    path = [
        o
        for o in services.ancestors(session, org)[:-1]
        if in_jurisdiction(session, request.identity, o.id)
    ]
    return {
        "org": org,
        "path": path,
        "children": list(
            session.scalars(select(Org).where(Org.parent_id == org.id).order_by(Org.code))
        ),
        "merged": services.merged_units(session, org),
        "merged_into": visible.get(org.merged_into_id),
        "names": names,
        "entries": changelog.history(session, "org", org.id),
        "counts": counts,
        "deletable": not counts and org.id != request.identity.org_id,
        "own_unit": org.id == request.identity.org_id,
        "party_types": PARTY_ORG_TYPES,
        "kind_labels": request_labels(request, "party_org_kind"),
        "parents_by_id": visible,
    }


def _form_page(title, form_result, org=None, intro=""):
    if isinstance(form_result, dict):
        form_result.update(title=title, org=org, intro=intro)
    return form_result


def _kinds(request):
    return ref_choices(request.dbsession, "party_org_kind")


@view_config(
    route_name="orgs.add", permission=Permission.ORGS_MANAGE, renderer=TEMPLATES + "form.jinja2"
)
def add(request):
    session = request.dbsession
    units = services.org_choices(
        session, request.identity, levels=(OrgLevel.CITY, OrgLevel.DISTRICT, OrgLevel.STREET)
    )
    form = make_form(
        request,
        schemas.OrgCreateForm().bind(request=request, units=units, kinds=_kinds(request)),
        buttons=("添加单位",),
        formid="org-add",
    )

    def on_success(data):
        parent = _unit(request, data.pop("parent_id"))
        if not parent.active:
            raise services.ValidationFailed("上级单位已停用。", fields={"parent_id": "已停用"})
        org = services.create_org(session, parent=parent, **data)
        request.session.flash(f"已添加单位：{org.name}。", "success")
        return HTTPFound(request.route_url("orgs.detail", id=org.id))

    parent = request.params.get("parent", "")
    default = {"parent_id": parent} if parent else {}
    return _form_page("添加单位", handle_form(request, form, on_success, appstruct=default))


@view_config(
    route_name="orgs.edit", permission=Permission.ORGS_MANAGE, renderer=TEMPLATES + "form.jinja2"
)
def edit(request):
    org = _org(request)
    form = make_form(
        request,
        schemas.OrgEditForm().bind(request=request, kinds=_kinds(request)),
        buttons=("保存",),
        formid="org-edit",
    )

    def on_success(data):
        check_version(org, data.pop("version"))
        for key, value in data.items():
            setattr(org, key, value)
        request.dbsession.flush()
        request.session.flash("已保存。", "success")
        return HTTPFound(request.route_url("orgs.detail", id=org.id))

    current = {c.name: getattr(org, c.name) for c in schemas.OrgFieldsSchema().children}
    current["version"] = org.version
    return _form_page(
        f"编辑单位信息：{org.name}", handle_form(request, form, on_success, appstruct=current), org
    )


@view_config(
    route_name="orgs.rename", permission=Permission.ORGS_MANAGE, renderer=TEMPLATES + "form.jinja2"
)
def rename(request):
    org = _org(request)
    form = make_form(request, schemas.RenameForm(), buttons=("更名",), formid="org-rename")

    def on_success(data):
        services.rename_org(
            request.dbsession,
            org,
            name=data["name"],
            reason=data["reason"],
            on_date=data["on_date"],
            version=data["version"],
        )
        request.session.flash(f"已更名为：{org.name}，原名称保留在历史沿革中。", "success")
        return HTTPFound(request.route_url("orgs.detail", id=org.id))

    return _form_page(
        f"更名：{org.name}",
        handle_form(
            request, form, on_success, appstruct={"version": org.version, "on_date": clock.today()}
        ),
        org,
        "原名称、更名原因和日期记入本单位的历史沿革；已有记录仍挂在本单位下。",
    )


@view_config(
    route_name="orgs.move", permission=Permission.ORGS_MANAGE, renderer=TEMPLATES + "form.jinja2"
)
def move(request):
    org = _org(request)
    if org.id == request.identity.org_id:
        raise services.ValidationFailed("不能调整您自己所在单位的隶属关系。")
    parent_levels = [lv for lv, r in ORG_LEVEL_RANK.items() if r == org.rank - 1]
    units = [
        u
        for u in services.org_choices(request.dbsession, request.identity, levels=parent_levels)
        if u[0] != str(org.parent_id)
    ]
    form = make_form(
        request,
        schemas.MoveForm().bind(request=request, units=units),
        buttons=("调整",),
        formid="org-move",
    )

    def on_success(data):
        parent = _unit(request, data["parent_id"])
        services.move_org_with_history(
            request.dbsession,
            org,
            parent,
            reason=data["reason"],
            on_date=data["on_date"],
            version=data["version"],
        )
        request.session.flash(f"已调整到{parent.name}之下。", "success")
        return HTTPFound(request.route_url("orgs.detail", id=org.id))

    return _form_page(
        f"调整上级单位：{org.name}",
        handle_form(
            request, form, on_success, appstruct={"version": org.version, "on_date": clock.today()}
        ),
        org,
        "本单位连同全部下级单位一起调整；原上级单位记入历史沿革。",
    )


@view_config(
    route_name="orgs.merge", permission=Permission.ORGS_MANAGE, renderer=TEMPLATES + "form.jinja2"
)
def merge(request):
    org = _org(request)
    if org.id == request.identity.org_id:
        raise services.ValidationFailed("不能合并您自己所在的单位。")
    same_rank = [lv for lv, r in ORG_LEVEL_RANK.items() if r == org.rank]
    units = [
        u
        for u in services.org_choices(request.dbsession, request.identity, levels=same_rank)
        if u[0] != str(org.id)
    ]
    form = make_form(
        request,
        schemas.MergeForm().bind(request=request, units=units),
        buttons=("合并",),
        formid="org-merge",
    )

    def on_success(data):
        target = _unit(request, data["target_id"])
        services.merge_org(
            request.dbsession,
            org,
            target,
            reason=data["reason"],
            on_date=data["on_date"],
            version=data["version"],
        )
        request.session.flash(
            f"{org.name}已并入{target.name}；原有记录仍可在{org.name}的页面查到。", "success"
        )
        return HTTPFound(request.route_url("orgs.detail", id=org.id))

    return _form_page(
        f"撤并：把{org.name}并入其他单位",
        handle_form(
            request, form, on_success, appstruct={"version": org.version, "on_date": clock.today()}
        ),
        org,
        "撤村并居：本单位停用并标记“已并入”目标单位；本单位已有的记录保持不变，仍挂在本单位下，"
        "目标单位页面列出并入的单位。",
    )


@view_config(
    route_name="orgs.deactivate",
    permission=Permission.ORGS_MANAGE,
    renderer=TEMPLATES + "form.jinja2",
)
def deactivate(request):
    org = _org(request)
    if org.id == request.identity.org_id:
        raise services.ValidationFailed("不能停用您自己所在的单位。")
    form = make_form(request, schemas.DeactivateForm(), buttons=("停用",), formid="org-deactivate")

    def on_success(data):
        services.deactivate_org(
            request.dbsession,
            org,
            reason=data["reason"],
            on_date=data["on_date"],
            version=data["version"],
        )
        request.session.flash(f"已停用：{org.name}。", "success")
        return HTTPFound(request.route_url("orgs.detail", id=org.id))

    return _form_page(
        f"停用：{org.name}",
        handle_form(
            request, form, on_success, appstruct={"version": org.version, "on_date": clock.today()}
        ),
        org,
        "停用后本单位不再出现在新建记录的单位选项中；已有记录全部保留。",
    )


@view_config(route_name="orgs.reactivate", permission=Permission.ORGS_MANAGE, request_method="POST")
def reactivate(request):
    org = _org(request)
    services.reactivate_org(request.dbsession, org, version=request.POST.get("version"))
    request.session.flash(f"已重新启用：{org.name}。", "success")
    return HTTPFound(request.route_url("orgs.detail", id=org.id))


@view_config(route_name="orgs.delete", permission=Permission.ORGS_MANAGE, request_method="POST")
def delete(request):
    org = _org(request)
    if org.id == request.identity.org_id:
        raise services.ValidationFailed("不能删除您自己所在的单位。")
    parent_id, name = org.parent_id, org.name
    services.delete_org(request.dbsession, org)
    request.session.flash(f"已删除误建的单位：{name}。", "success")
    return HTTPFound(
        request.route_url("orgs.detail", id=parent_id)
        if parent_id
        else request.route_url("orgs.index")
    )


@view_config(
    route_name="orgs.import",
    permission=Permission.ORGS_MANAGE,
    renderer=TEMPLATES + "import.jinja2",
)
def import_view(request):
    result = {"errors": [], "example": EXAMPLE_CSV}
    if request.method != "POST":
        return result
    upload = request.POST.get("upload")
    if upload is None or not hasattr(upload, "file"):
        request.response.status = 400
        result["error"] = "请选择要导入的文件。"
        return result
    data = upload.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        request.response.status = 413
        result["error"] = "文件过大（最大 5 MB）。"
        return result
    try:
        table = read_table(upload.filename, data)
        outcome = import_orgs(request.dbsession, table, within_org_id=request.identity.org_id)
    except ImportFailed as e:
        request.tm.doom()
        request.response.status = 400
        result.update(error=e.message, errors=e.errors)
        return result
    except services.ValidationFailed as e:
        request.tm.doom()
        request.response.status = 400
        result["error"] = e.message
        return result
    request.session.flash(f"已导入 {len(outcome.created)} 个单位。", "success")
    return HTTPFound(request.route_url("orgs.index"))


@view_config(route_name="orgs.import_example", permission=Permission.ORGS_MANAGE)
def import_example(request):
    response = Response(
        body=("\ufeff" + EXAMPLE_CSV).encode("utf-8"), content_type="text/csv", charset="utf-8"
    )
    response.headers["Content-Disposition"] = "attachment; filename=orgs-example.csv"
    return response
