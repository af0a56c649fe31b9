"""Import of the unit tree from CSV or Excel (组织机构导入).

Columns (Chinese or English headers, any order): 编码/code, 名称/name, 层级/level,
上级编码/parent code, 党组织名称/party org name, 党组织类型/party org type. Every row is
validated first — unknown parent, duplicate code (in the file or the database), a level that
does not fit under its parent, a cycle — and the errors are reported with their row numbers;
only a file without errors is written. Parents may come after their children in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from whirlwind import tabular
from whirlwind.errors import ValidationFailed
from whirlwind.orgs.models import ORG_LEVEL_LABELS, ORG_LEVEL_RANK, PARTY_ORG_TYPES, Org, OrgLevel
from whirlwind.orgs.services import create_org, is_within

MAX_ROWS = 20000
LIMITS = tabular.Limits(max_rows=MAX_ROWS, max_columns=50)

COLUMNS = {
    "code": ("编码", "组织编码", "单位编码", "code"),
    "name": ("名称", "组织名称", "单位名称", "name"),
    "level": ("层级", "级别", "level"),
    "parent_code": ("上级编码", "上级单位编码", "parent code", "parent_code", "parent"),
    "party_org_name": ("党组织名称", "party org name", "party_org_name"),
    "party_org_type": ("党组织类型", "party org type", "party_org_type"),
}
REQUIRED = ("code", "name", "level")

LEVELS = {
    "市": OrgLevel.CITY,
    "区": OrgLevel.DISTRICT,
    "县": OrgLevel.DISTRICT,
    "街道": OrgLevel.STREET,
    "乡镇": OrgLevel.STREET,
    "乡": OrgLevel.STREET,
    "镇": OrgLevel.STREET,
    "街道/乡镇": OrgLevel.STREET,
    "社区": OrgLevel.COMMUNITY,
    "村": OrgLevel.VILLAGE,
    **{level.value: level for level in OrgLevel},
    "township": OrgLevel.STREET,
}
PARTY_TYPES = {label: code for code, label in PARTY_ORG_TYPES.items()} | {
    code: code for code in PARTY_ORG_TYPES
}


@dataclass
class ImportRow:
    row: int  # as the user sees it: the header is row 1
    code: str
    name: str
    level: str
    parent_code: str
    party_org_name: str = ""
    party_org_type: str = ""


@dataclass
class ImportResult:
    created: list[Org] = field(default_factory=list)


class ImportFailed(ValidationFailed):
    """The file has errors; ``errors`` lists (row number, message). Nothing was written."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(f"导入文件有 {len(errors)} 处错误，未导入任何单位。")
        self.errors = errors


def _header_key(value) -> str | None:
    text = str(value or "").strip().lower().replace("（", "(").split("(")[0].strip()
    for key, names in COLUMNS.items():
        if text in names:
            return key
    return None


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The file's rows as lists of strings (CSV in UTF-8 or GBK/GB18030, or the first sheet
    of an .xlsx, .xls or .ods workbook), read within bounds (``whirlwind.tabular``)."""
    return tabular.read(data, filename or "units.csv", LIMITS).rows


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # codes typed as numbers in Excel
    return str(value).strip()


def parse_rows(table: list[list[str]]) -> list[ImportRow]:
    """Map the header to our columns; the header is required."""
    if not table:
        raise ValidationFailed("文件为空。")
    header = [_header_key(v) for v in table[0]]
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in header]
    if missing:
        raise ValidationFailed(f"缺少列：{'、'.join(missing)}（第 1 行应为表头）。")
    if len(table) - 1 > MAX_ROWS:
        raise ValidationFailed(f"一次最多导入 {MAX_ROWS} 行。")
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if not any(str(v).strip() for v in values):
            continue
        cells = {
            key: str(values[i]).strip() for i, key in enumerate(header) if key and i < len(values)
        }
        rows.append(
            ImportRow(
                row=number,
                code=cells.get("code", ""),
                name=cells.get("name", ""),
                level=cells.get("level", ""),
                parent_code=cells.get("parent_code", ""),
                party_org_name=cells.get("party_org_name", ""),
                party_org_type=cells.get("party_org_type", ""),
            )
        )
    return rows


def validate(session, rows: list[ImportRow], *, within_org_id: int | None = None):
    """Return (errors, rows in creation order). ``within_org_id``: parents already in the
    database must lie in this unit's subtree (the importing user's jurisdiction)."""
    errors: list[tuple[int, str]] = []
    by_code: dict[str, ImportRow] = {}
    levels: dict[str, OrgLevel] = {}
    for r in rows:
        if not r.code:
            errors.append((r.row, "编码不能为空"))
        elif len(r.code) > 32:
            errors.append((r.row, f"编码 {r.code} 超过 32 个字符"))
        if not r.name:
            errors.append((r.row, "名称不能为空"))
        elif len(r.name) > 100:
            errors.append((r.row, "名称超过 100 个字符"))
        level = LEVELS.get(r.level) or LEVELS.get(r.level.lower())
        if level is None:
            errors.append((r.row, f"未知的层级“{r.level}”（应为 市/区/街道/乡镇/社区/村）"))
        if r.party_org_type and r.party_org_type not in PARTY_TYPES:
            errors.append(
                (r.row, f"未知的党组织类型“{r.party_org_type}”（应为 党委/党总支/党支部）")
            )
        if len(r.party_org_name) > 120:
            errors.append((r.row, "党组织名称超过 120 个字符"))
        if r.code:
            if r.code in by_code:
                errors.append((r.row, f"编码 {r.code} 与第 {by_code[r.code].row} 行重复"))
            else:
                by_code[r.code] = r
                if level is not None:
                    levels[r.code] = level
    # Codes already in the database.
    codes = list(by_code)
    existing: dict[str, Org] = {}
    for i in range(0, len(codes), 500):
        for org in session.scalars(select(Org).where(Org.code.in_(codes[i : i + 500]))):
            existing[org.code] = org
    for code in existing:
        errors.append((by_code[code].row, f"编码 {code} 已存在（{existing[code].name}）"))
    # Parents: in the file or in the database.
    parent_codes = {r.parent_code for r in rows if r.parent_code and r.parent_code not in by_code}
    db_parents = {
        o.code: o
        for o in (
            session.scalars(select(Org).where(Org.code.in_(list(parent_codes))))
            if parent_codes
            else []
        )
    }
    for r in by_code.values():
        level = levels.get(r.code)
        if not r.parent_code:
            if level is not None and level != OrgLevel.CITY:
                errors.append((r.row, "缺少上级编码（只有市级单位可以没有上级）"))
            continue
        if r.parent_code == r.code:
            errors.append((r.row, "上级编码不能是本单位自己"))
            continue
        if r.parent_code in by_code:
            parent_level = levels.get(r.parent_code)
        elif r.parent_code in db_parents:
            parent = db_parents[r.parent_code]
            parent_level = OrgLevel(parent.level)
            if not parent.active:
                errors.append((r.row, f"上级单位 {r.parent_code}（{parent.name}）已停用"))
            elif within_org_id is not None and not is_within(session, parent.id, within_org_id):
                errors.append((r.row, f"上级单位 {r.parent_code} 不在您的管辖范围内"))
        else:
            errors.append((r.row, f"上级编码 {r.parent_code} 不存在（文件和系统中都没有）"))
            continue
        if level is not None and parent_level is not None:
            if ORG_LEVEL_RANK[parent_level] != ORG_LEVEL_RANK[level] - 1:
                errors.append(
                    (
                        r.row,
                        f"层级不符：{ORG_LEVEL_LABELS[level]}不能设在{ORG_LEVEL_LABELS[parent_level]}之下",
                    )
                )
    # Cycles among rows of the file (A under B under A).
    order: list[ImportRow] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done
    for start in by_code:
        path: list[str] = []
        code = start
        while code in by_code and state.get(code) is None:
            state[code] = 1
            path.append(code)
            code = by_code[code].parent_code
        if code in by_code and state.get(code) == 1:
            cycle = path[path.index(code) :]
            rows_in_cycle = "、".join(str(by_code[c].row) for c in cycle)
            for c in cycle:
                errors.append((by_code[c].row, f"上级关系形成循环（第 {rows_in_cycle} 行）"))
        for c in path:
            state[c] = 2
    if errors:
        return sorted(set(errors)), []
    # Topological order: every parent before its children.
    done: set[str] = set()
    for r in by_code.values():
        chain = []
        code = r.code
        while code in by_code and code not in done:
            chain.append(by_code[code])
            code = by_code[code].parent_code
        for item in reversed(chain):
            done.add(item.code)
            order.append(item)
    return [], order


def import_orgs(
    session, table: list[list[str]], *, within_org_id: int | None = None
) -> ImportResult:
    rows = parse_rows(table)
    if not rows:
        raise ValidationFailed("文件中没有数据行。")
    errors, order = validate(session, rows, within_org_id=within_org_id)
    if errors:
        raise ImportFailed(errors)
    created: dict[str, Org] = {}
    result = ImportResult()
    for r in order:
        parent = created.get(r.parent_code) if r.parent_code else None
        if r.parent_code and parent is None:
            parent = session.scalar(select(Org).where(Org.code == r.parent_code))
        level = LEVELS.get(r.level) or LEVELS[r.level.lower()]
        org = create_org(
            session,
            code=r.code,
            name=r.name,
            level=level.value,
            parent=parent,
            party_org_name=r.party_org_name,
            party_org_type=PARTY_TYPES.get(r.party_org_type, ""),
            party_org_kind=_kind_for(level),
            is_rural=level == OrgLevel.VILLAGE or bool(parent and parent.is_rural),
        )
        created[r.code] = org
        result.created.append(org)
    return result


def _kind_for(level: OrgLevel) -> str:
    return {OrgLevel.VILLAGE: "village", OrgLevel.COMMUNITY: "community"}.get(level, "organ")


EXAMPLE_CSV = """编码,名称,层级,上级编码,党组织名称,党组织类型
420116003,前川街道,街道,420116,中共前川街道工作委员会,党委
420116003001,滠水村,村,420116003,中共滠水村委员会,党委
420116003002,东风社区,社区,420116003,中共东风社区支部委员会,党支部
"""
