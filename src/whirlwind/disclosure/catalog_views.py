"""The disclosure catalogue (公开目录): everyone with disclosure access reads it;
administrators (disclosure:catalog) add and edit items."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from whirlwind.disclosure import services
from whirlwind.disclosure.catalog import seed_catalog
from whirlwind.disclosure.models import DOMAIN_LABELS
from whirlwind.disclosure.schemas import CatalogForm
from whirlwind.forms import handle_form, make_form
from whirlwind.security import Permission

FORM = "whirlwind:disclosure/templates/form.jinja2"


@view_config(
    route_name="disclosure.catalog",
    permission=Permission.DISCLOSURE_VIEW,
    renderer="whirlwind:disclosure/templates/catalog.jinja2",
)
def catalog(request):
    items = services.catalog_items(request.dbsession, active_only=False)
    return {"items": items, "domains": DOMAIN_LABELS}


@view_config(
    route_name="disclosure.catalog_seed",
    permission=Permission.DISCLOSURE_CATALOG,
    request_method="POST",
)
def catalog_seed(request):
    added = seed_catalog(request.dbsession)
    request.session.flash(
        f"已补充 {added} 个默认目录项。" if added else "默认目录项均已存在，未做改动。", "info"
    )
    return HTTPFound(request.route_url("disclosure.catalog"))


@view_config(
    route_name="disclosure.catalog_new", permission=Permission.DISCLOSURE_CATALOG, renderer=FORM
)
def catalog_new(request):
    form = make_form(request, CatalogForm(), formid="catalog")

    def on_success(data):
        data.pop("version", None)
        item = services.save_catalog_item(request.dbsession, request.identity, data)
        request.session.flash(f"已添加目录项“{item.title}”。", "success")
        return HTTPFound(request.route_url("disclosure.catalog"))

    result = handle_form(
        request,
        form,
        on_success,
        appstruct={"active": True, "deadline_days": 15, "applies_to": "both", "sort": 0},
    )
    if isinstance(result, dict):
        result["title"] = "添加公开目录项"
    return result


@view_config(
    route_name="disclosure.catalog_edit", permission=Permission.DISCLOSURE_CATALOG, renderer=FORM
)
def catalog_edit(request):
    item = services.get_catalog_item(request.dbsession, request.matchdict["id"])
    form = make_form(request, CatalogForm(), formid="catalog")

    def on_success(data):
        version = data.pop("version", None)
        services.save_catalog_item(
            request.dbsession, request.identity, data, item=item, version=version
        )
        request.session.flash(f"已保存目录项“{item.title}”。", "success")
        return HTTPFound(request.route_url("disclosure.catalog"))

    values = {name: getattr(item, name) for name in services.CATALOG_FIELDS}
    values["version"] = item.version
    result = handle_form(request, form, on_success, appstruct=values)
    if isinstance(result, dict):
        result["title"] = f"修改公开目录项 {item.code}"
    return result
