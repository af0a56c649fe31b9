"""Pagination for every list: one COUNT and one page query, never the whole table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

MAX_PAGE_SIZE = 200


@dataclass
class Page:
    items: list
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def window(self, radius: int = 2):
        """Page numbers to show, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
        shown = {1, self.pages, *range(self.page - radius, self.page + radius + 1)}
        out, last = [], 0
        for p in sorted(x for x in shown if 1 <= x <= self.pages):
            if p - last > 1:
                out.append(None)
            out.append(p)
            last = p
        return out


def page_params(request, default_size: int | None = None) -> tuple[int, int]:
    """``page`` and ``size`` from the query string, clamped to sane values."""
    default = default_size or int(request.registry.settings.get("whirlwind.page_size", 20))
    try:
        page = max(1, int(request.params.get("page", 1)))
    except ValueError:
        page = 1
    try:
        size = min(MAX_PAGE_SIZE, max(1, int(request.params.get("size", default))))
    except ValueError:
        size = default
    return page, size


def paginate(session, stmt, page: int, size: int, *, scalars: bool = True) -> Page:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, -(-total // size))
    page = min(page, pages)
    query = stmt.limit(size).offset((page - 1) * size)
    result = session.scalars(query) if scalars else session.execute(query)
    return Page(list(result.unique() if scalars else result), total, page, size)
