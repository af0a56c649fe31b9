"""The historical import page (历史数据导入): upload, validation report, then an import in
chunks driven by the page (each chunk one transaction) with a progress bar."""

from __future__ import annotations

import json
import os
import uuid

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from whirlwind.errors import NotFound, ValidationFailed
from whirlwind.history import importer
from whirlwind.search.indexer import index_base
from whirlwind.security import Permission

CHUNK = 100


def jobs_dir(request) -> str:
    """Where import jobs are kept: ``whirlwind.import_dir``, else ``history-jobs`` beside
    the index directory (never inside it)."""
    settings = request.registry.settings
    path = settings.get("whirlwind.import_dir") or os.path.join(
        os.path.dirname(index_base(settings)), "history-jobs"
    )
    os.makedirs(path, exist_ok=True)
    return path


def _job_path(request, job: str) -> str:
    try:
        uuid.UUID(job)
    except ValueError:
        raise NotFound("导入任务不存在。") from None
    return os.path.join(jobs_dir(request), f"{job}.json")


def load_job(request, job: str) -> dict:
    try:
        with open(_job_path(request, job), encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise NotFound("导入任务不存在。") from None
    if data["user_id"] != request.identity.id:
        raise NotFound("导入任务不存在。")
    return data


def save_job(request, job: str, data: dict) -> None:
    path = _job_path(request, job)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    os.replace(tmp, path)


@view_config(
    route_name="history.import",
    renderer="whirlwind:history/templates/import.jinja2",
    permission=Permission.CASES_IMPORT,
)
def import_page(request):
    ctx = {
        "errors": [],
        "headers": importer.HEADERS,
        "required": importer.REQUIRED,
        "valid": 0,
        "total": 0,
    }
    if request.method != "POST":
        return ctx
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file"):
        raise ValidationFailed("请选择要导入的文件。")
    data = upload.file.read(
        int(request.registry.settings.get("whirlwind.upload_max_bytes", 10 * 1024 * 1024)) + 1
    )
    table = importer.read_table(data, upload.filename)
    result = importer.validate(request.dbsession, request.identity, table)
    valid_only = bool(request.POST.get("valid_only"))
    ctx.update(
        errors=result.errors, valid=len(result.rows), total=result.total, filename=upload.filename
    )
    if (result.errors and not valid_only) or not result.rows:
        request.response.status_int = 400 if result.errors else 200
        return ctx
    job = str(uuid.uuid4())
    save_job(
        request,
        job,
        {
            "user_id": request.identity.id,
            "filename": upload.filename,
            "rows": [r.to_json() for r in result.rows],
            "done": 0,
            "created": 0,
            "skipped": 0,
            "invalid": len(result.errors),
            "errors": [e.__dict__ for e in result.errors[:500]],
        },
    )
    return HTTPFound(request.route_path("history.import_job", job=job))


@view_config(
    route_name="history.import_job",
    renderer="whirlwind:history/templates/import_job.jinja2",
    permission=Permission.CASES_IMPORT,
    request_method="GET",
)
def import_job(request):
    job = request.matchdict["job"]
    data = load_job(request, job)
    return {"job": job, "data": data, "total": len(data["rows"])}


@view_config(
    route_name="history.import_run",
    renderer="json",
    permission=Permission.CASES_IMPORT,
    request_method="POST",
)
def import_run(request):
    """Import the next chunk; the job file advances only after the chunk's commit."""
    job = request.matchdict["job"]
    data = load_job(request, job)
    rows = [importer.ImportRow(**r) for r in data["rows"][data["done"] : data["done"] + CHUNK]]
    created, skipped = importer.import_rows(
        request.dbsession, (request.identity.id, request.identity.user.username), rows
    )
    new = dict(
        data,
        done=data["done"] + len(rows),
        created=data["created"] + created,
        skipped=data["skipped"] + skipped,
    )

    def after_commit(ok):
        if ok:
            save_job(request, job, new)

    request.tm.get().addAfterCommitHook(after_commit)
    total = len(data["rows"])
    return {
        "done": new["done"],
        "total": total,
        "created": new["created"],
        "skipped": new["skipped"],
        "finished": new["done"] >= total,
    }
