"""Historical import + indexing throughput (records/s) and index size.

    python benchmarks/import_bench.py                          # 10,000 records, 3 runs, SQLite
    python benchmarks/import_bench.py --records 100000 --runs 1 --format csv
    python benchmarks/import_bench.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/ww_bench_import

Each run starts from a fresh database holding only the generated city (orgs, users, roles,
reference lists: ``benchmarks.generate`` with no records) and an empty index directory, then
times the commands a user runs, as separate processes:

1. ``whirlwind import BENCH.ini FILE --user city_insp`` of N historical clues/cases (about a
   third with 立案日期, so they become cases), the file written from the generator's text
   (``benchmarks/corpus.py``: 300–2,000 characters, names inside names, Zipf-like terms);
2. ``whirlwind index BENCH.ini --once`` (applies the outbox rows the import wrote).

The peer in the same run: an SQLite FTS5 trigram table built from the same texts (the
search benchmark's peer), in records/s. The database named by --db-url is EMPTIED.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.common import OUT, machine_note, print_table, summarize, verdict, write_ini
from whirlwind import clock

GOAL_RPS = 550.0


def write_file(path: str, n: int, units: list[str], seed: int) -> list[str]:
    """The import file; returns the texts (for the peer)."""
    from benchmarks.corpus import Corpus
    from whirlwind.history.importer import HEADERS
    from whirlwind.reference.services import declared

    corpus = Corpus(seed=seed)
    rng = random.Random(seed)
    ref = declared()
    categories = [v[1] for v in ref["problem_category"]]
    sources = [v[1] for v in ref["clue_source"]]
    posts = ["村党支部书记", "村委会主任", "村会计", "报账员", "出纳", "社区居委会主任"]
    today = clock.today()
    rows, texts = [], []
    orgs = [(i, None, None) for i in range(len(units))]
    for i in range(n):
        r = corpus.record(i, orgs)
        received = r["date"] if r["date"] < today else today
        opened = closed = ""
        if rng.random() < 0.33:
            o = min(today, received + dt.timedelta(days=rng.randint(20, 90)))
            opened = o.isoformat()
            if o < today - dt.timedelta(days=365):
                closed = min(today, o + dt.timedelta(days=rng.randint(60, 300))).isoformat()
        elif received < today - dt.timedelta(days=365):
            closed = min(today, received + dt.timedelta(days=rng.randint(20, 200))).isoformat()
        texts.append(r["title"] + "\n" + r["text"])
        rows.append(
            {
                "编号": f"LS{received.year}-{i + 1:06d}",
                "标题": r["title"],
                "简要案情": r["text"],
                "被反映人": "、".join(r["persons"]),
                "职务": rng.choice(posts),
                "所在单位": units[r["org_id"]],
                "问题类别": "、".join(rng.sample(categories, rng.choice((1, 1, 2)))),
                "线索来源": rng.choice(sources),
                "涉及金额": str(r["amount"] or ""),
                "受理日期": received.isoformat(),
                "立案日期": opened,
                "结案日期": closed,
                "办理阶段": "",
                "处理结果": "已作处理。" if closed else "",
            }
        )
    if path.endswith(".csv"):
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.DictWriter(f, fieldnames=HEADERS)
            w.writeheader()
            w.writerows(rows)
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("历史数据")
        ws.append(HEADERS)
        for row in rows:
            ws.append([row[h] for h in HEADERS])
        wb.save(path)
    return texts


def fts5_peer(texts: list[str], path: str) -> float:
    """Seconds to build an SQLite FTS5 trigram table from the texts (one transaction)."""
    if os.path.exists(path):
        os.remove(path)
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE doc USING fts5(body, tokenize='trigram')")
    t = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO doc(rowid, body) VALUES (?, ?)", enumerate(texts, start=1))
    seconds = time.perf_counter() - t
    conn.close()
    return seconds


def dir_size(path: str) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            fp = os.path.join(root, name)
            if not os.path.islink(fp):
                total += os.path.getsize(fp)
    return total


def run_cli(args: list[str]) -> float:
    exe = os.path.join(os.path.dirname(sys.executable), "whirlwind")
    t = time.perf_counter()
    proc = subprocess.run([exe, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"whirlwind {args[0]} failed ({proc.returncode})")
    return seconds


def run(db_url: str, records: int, runs: int, fmt: str, seed: int, work: str) -> dict:
    from sqlalchemy import create_engine, func, select

    from benchmarks.generate import generate
    from whirlwind.cases.models import Case, Clue
    from whirlwind.orgs.models import Org

    os.makedirs(work, exist_ok=True)
    var = os.path.join(work, "var")
    ini = write_ini(os.path.join(work, "import-bench.ini"), db_url, var)
    data_file = os.path.join(work, f"historical.{fmt}")
    results = []
    texts: list[str] = []
    for run_no in range(runs):
        generate(db_url, cases=0, items=0, audits=0, seed=seed, quiet=True, disclosure=False)
        shutil.rmtree(var, ignore_errors=True)
        engine = create_engine(db_url)
        if run_no == 0:
            with engine.connect() as conn:
                units = list(
                    conn.scalars(
                        select(Org.name)
                        .where(Org.level.in_(("community", "village")))
                        .order_by(Org.id)
                    )
                )
            t = time.perf_counter()
            texts = write_file(data_file, records, units, seed)
            print(
                f"wrote {records} records to {data_file} ({os.path.getsize(data_file) / 2**20:.1f} MiB) "
                f"in {time.perf_counter() - t:.1f}s",
                flush=True,
            )
        import_s = run_cli(["import", ini, data_file, "--user", "city_insp"])
        index_s = run_cli(["index", ini, "--once"])
        with engine.connect() as conn:
            clues = conn.scalar(select(func.count()).select_from(Clue))
            cases = conn.scalar(select(func.count()).select_from(Case))
        engine.dispose()
        if clues != records:
            raise SystemExit(f"imported {clues} clues, expected {records}")
        size = dir_size(os.path.join(var, "index"))
        results.append(
            {"import": import_s, "index": index_s, "clues": clues, "cases": cases, "size": size}
        )
        print(
            f"run {run_no + 1}: import {import_s:.1f}s, index {index_s:.1f}s, "
            f"{clues} clues / {cases} cases, index {size / 2**20:.1f} MiB",
            flush=True,
        )

    peer_s = fts5_peer(texts, os.path.join(work, "fts5-peer.sqlite"))
    peer_rps = records / peer_s
    imp = summarize([records / r["import"] for r in results])
    idx = summarize([records / r["index"] for r in results])
    both = summarize([records / (r["import"] + r["index"]) for r in results])
    size = results[-1]["size"]
    print()
    print_table(
        ["step", "records/s (median)", "records/s (worst run)", "vs FTS5 peer", "goal", ""],
        [
            [
                "whirlwind import",
                imp["median"],
                imp["min"],
                f"{imp['median'] / peer_rps:.1%}",
                "",
                "",
            ],
            [
                "whirlwind index --once",
                idx["median"],
                idx["min"],
                f"{idx['median'] / peer_rps:.1%}",
                "",
                "",
            ],
            [
                "import + index",
                both["median"],
                both["min"],
                f"{both['median'] / peer_rps:.1%}",
                f"≥ {GOAL_RPS:.0f}/s",
                verdict(both["median"], GOAL_RPS, higher_is_better=True),
            ],
            ["peer: SQLite FTS5 trigram build", peer_rps, peer_rps, "100%", "", ""],
        ],
        title=f"Import + index of {records} records ({fmt}, {runs} runs, {create_engine(db_url).dialect.name})",
    )
    print(
        f"\nindex size: {size / 2**20:.1f} MiB ({size / records / 1024:.1f} KiB per record); "
        f"texts {sum(len(t) for t in texts) / records:.0f} characters per record on average"
    )
    print(machine_note())
    return {"rps": both["median"], "size": size, "peer_rps": peer_rps}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    work_default = os.path.join(OUT, "import")
    parser.add_argument(
        "--db-url",
        default=f"sqlite:///{os.path.join(work_default, 'import.sqlite')}",
        help="database to EMPTY and import into (default: a SQLite file under benchmarks/out/import/)",
    )
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--work-dir", default=work_default, help="files, ini and index directory")
    args = parser.parse_args(argv)
    run(args.db_url, args.records, args.runs, args.format, args.seed, args.work_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
