"""The Whoosh schema: what one indexed record (clue, case, finding) holds.

Long text is indexed, never stored (snippets are cut from the database text), so the
index stays small. Small values needed for filters, facets and sorting are stored: the
query engine reads them once per segment into column caches (``query.SegmentColumns``).
"""

from __future__ import annotations

import datetime as dt
import decimal

from whoosh import fields

from whirlwind.search.analysis import GramText, join_parts

LIST_SEP = "\u001f"


def make_schema() -> fields.Schema:
    return fields.Schema(
        key=fields.ID(stored=True, unique=True),  # "clue:12"
        type=fields.ID(stored=True),
        rid=fields.STORED(),
        # Everything searchable as free text: number, title, text, persons, units.
        body=GramText(),
        # The title again, for the relevance boost of a match in the title.
        title=GramText(),
        # Persons, for the 被反映人 filter (a name inside a name matches, as in the text).
        persons=GramText(),
        org_id=fields.ID(stored=True),
        district_id=fields.ID(stored=True),
        street_id=fields.ID(stored=True),
        category=fields.KEYWORD(stored=True, commas=False),
        source=fields.ID(stored=True),
        stage=fields.ID(stored=True),
        year=fields.STORED(),
        day=fields.STORED(),  # date as an ordinal (sorting, date facets)
        amount=fields.STORED(),  # Decimal as a string
        names=fields.STORED(),  # persons joined by LIST_SEP (facets)
    )


def _id(value) -> str:
    return "" if value is None else str(value)


def to_fields(doc: dict) -> dict:
    """Turn a builder's document (see ``documents``) into Whoosh field values."""
    persons = [p for p in (doc.get("persons") or []) if p]
    units = [u for u in (doc.get("units") or []) if u]
    date = doc.get("date")
    if isinstance(date, dt.datetime):
        date = date.date()
    amount = doc.get("amount")
    year = doc.get("year") or (date.year if date else None)
    categories = [str(c) for c in (doc.get("category") or []) if c]
    return {
        "key": f"{doc['type']}:{doc['id']}",
        "type": doc["type"],
        "rid": int(doc["id"]),
        "body": join_parts(
            [
                doc.get("number") or "",
                doc.get("title") or "",
                doc.get("text") or "",
                *persons,
                *units,
            ]
        ),
        "title": doc.get("title") or "",
        "persons": join_parts(persons),
        "org_id": _id(doc.get("org_id")),
        "district_id": _id(doc.get("district_id")),
        "street_id": _id(doc.get("street_id")),
        "category": " ".join(categories),
        "source": str(doc.get("source") or ""),
        "stage": str(doc.get("stage") or ""),
        "year": int(year) if year else None,
        "day": date.toordinal() if date else None,
        "amount": str(decimal.Decimal(amount)) if amount not in (None, "") else None,
        "names": LIST_SEP.join(persons),
    }
