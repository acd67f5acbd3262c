"""Benchmark (not a test) for `kc census` and `kc transition` at county scale (issue: 100,000 roster
rows against 150,000 population rows in seconds), and for `kc census-province` at province scale (§23).

    python benchmarks/bench_matching.py [--read-file]
    python benchmarks/bench_matching.py --province [--children 10000000] [--roster 8000000] [--data DIR] [--memory 4GB]

--province: generates the province (benchmarks/province_data.py, seeded; kept in --data for a second run),
then runs `kc census-province` in a child process and prints its wall time, CPU time and peak resident
memory (getrusage of the child: the peak RSS of the whole run, DuckDB included), and checks the number
of 适龄未入学 children against what the generator put in.

Builds a throw-away work folder with a store holding 100,000 roster rows of 150 schools, then times
  * compute_census: roster load, status at the as-of date (rules.status.build_state), the two pandas joins;
  * write_census: the workbook;
  * compute_transition: 10,000 graduates against the 七年级 rows;
  * with --read-file: read_population of a 150,000-row .xlsx (file reading and form recognition).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kc_batch.reconcile import census  # noqa: E402
from kc_batch.reconcile import transition  # noqa: E402
from kc_batch.model import SchoolData, Source  # noqa: E402
from kc_batch.read.forms import RosterRecord  # noqa: E402
from kc_batch.read.identity import check_char  # noqa: E402
from kc_batch.app.jobs import open_workspace  # noqa: E402
from kc_batch.reports.census_book import write_census  # noqa: E402

ROSTER_ROWS, POPULATION_ROWS, SCHOOLS, GRADUATES = 100_000, 150_000, 150, 10_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬"


def make_id(birth: dt.date, seq: int) -> str:
    body = f"450923{birth:%Y%m%d}{seq % 1000:03d}"
    return body + check_char(body)


def people(n: int, rng: random.Random) -> list[dict]:
    out, seen = [], set()
    while len(out) < n:
        birth = dt.date(2011, 9, 1) + dt.timedelta(days=rng.randrange(365 * 10))
        sid = make_id(birth, rng.randrange(1000))
        if sid in seen:
            continue
        seen.add(sid)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        out.append(dict(id=sid, birth=birth.isoformat(), name=name))
    return out


def grade_of(birth: str) -> int:
    age = census.age_on_aug31(dt.date.fromisoformat(birth), 2026)
    return min(max(age - 5, 1), 9)


def build_store(wd: Path, roster: list[dict]):
    ws = open_workspace(wd)
    store = ws.open_store()
    store.begin()
    per_school = len(roster) // SCHOOLS
    for s in range(SCHOOLS):
        rows = roster[s * per_school:(s + 1) * per_school]
        fid = store.add_file(f"学校{s:03d}/花名册.xlsx", f"sha{s}", 0, "xlsx", "")
        recs = [RosterRecord(key=p["id"], sfz=p["id"], xjh="G" + p["id"], name=p["name"], grade=grade_of(p["birth"]),
                             class_no="1", source=Source(f"学校{s:03d}/花名册.xlsx", "名册", i + 3),
                             attrs={"birth": p["birth"], "sex": "男", "guardian": "家长", "phone": "139"})
                for i, p in enumerate(rows)]
        store.add_roster_rows(fid, 0, 0, recs)
    store.commit()
    return ws, store


def population(roster: list[dict], rng: random.Random) -> pd.DataFrame:
    known = roster[:90_000]
    extra = people(POPULATION_ROWS - len(known) + 20_000, rng)
    roster_ids = {p["id"] for p in roster}
    extra = [p for p in extra if p["id"] not in roster_ids][:POPULATION_ROWS - len(known)]
    rows = []
    for i, p in enumerate(known + extra):
        no_id = i % 10 == 0                      # every tenth child without an ID: matched by name + birth
        rows.append(dict(pid=i, name=p["name"], sfz=None if no_id else p["id"], id_text="" if no_id else p["id"],
                         birth=p["birth"], sex="男", hukou=f"村{i % 200:03d}", guardian="家长", phone="139",
                         status="", note="", file="名册.xlsx", sheet="名册", row=i + 3))
    return pd.DataFrame(rows, columns=census.POPULATION_COLUMNS[:-1])


def timed(label: str, fn):
    t0 = time.perf_counter()
    value = fn()
    print(f"{label}: {time.perf_counter() - t0:.2f} s")
    return value


def province(args) -> None:
    import os
    import platform
    import resource
    import subprocess

    import province_data
    data = Path(args.data)
    if not (data / "适龄儿童名册.csv").is_file():
        t0 = time.perf_counter()
        made = province_data.generate(data, args.children, args.roster, args.unenrolled)
        print(f"generate {made['children']:,} population rows, {made['roster_rows']:,} roster rows: "
              f"{time.perf_counter() - t0:.1f} s")
    out = data / "out"
    cmd = [sys.executable, "-m", "kc_batch.cli", "census-province", str(data / "适龄儿童名册.csv"),
           "--rosters", str(data / "rosters"), "--out", str(out), "--as-of", "2026-11-20", "--memory", args.memory]
    load = os.getloadavg()
    t0 = time.perf_counter()
    run = subprocess.run(cmd, cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print("\n".join(line for line in run.stdout.splitlines() if not line.startswith("已生成")), run.stderr[-3000:])
    print(f"kc census-province: exit {run.returncode}, wall {wall:.1f} s, CPU {usage.ru_utime + usage.ru_stime:.1f} s, "
          f"peak RSS {usage.ru_maxrss / 1024:.0f} MB; load average before {load[0]:.1f}, after {os.getloadavg()[0]:.1f}; "
          f"{os.cpu_count()} cores, {platform.platform()}")
    print(f"county workbooks: {len(list(out.glob('适龄未入学_*.xlsx')))}; 适龄未入学 expected ≈ {args.unenrolled:,}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--read-file", action="store_true")
    parser.add_argument("--province", action="store_true")
    parser.add_argument("--children", type=int, default=10_000_000)
    parser.add_argument("--roster", type=int, default=8_000_000)
    parser.add_argument("--unenrolled", type=int, default=60_000)
    parser.add_argument("--data", default="/tmp/kc-province")
    parser.add_argument("--memory", default="4GB")
    args = parser.parse_args()
    if args.province:
        return province(args)
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        wd = Path(tmp)
        (wd / "kc.toml").write_text('[unit]\nname = "示例县"\nlevel = "county"\n', encoding="utf-8")
        roster = people(ROSTER_ROWS, rng)
        ws, store = timed("build store (100,000 roster rows)", lambda: build_store(wd, roster))
        pop = population(roster, rng)
        as_of = dt.date(2026, 11, 20)
        res = timed(f"compute_census ({len(pop):,} children × {ROSTER_ROWS:,} roster rows)",
                    lambda: census.compute_census(SchoolData(store.roster_rows(), store.events()),
                                                  store.answers_of(census.CENSUS_KIND, census.ROSTER_CHECK_KIND),
                                                  ws.cfg, ws.cal, pop, as_of))
        print("  matched:", int(res.children["key"].notna().sum()), " ambiguous:", int(res.children["ambiguous"].sum()),
              " 在籍不在册:", len(res.not_listed))
        timed("write_census (workbook)", lambda: write_census(wd, ws.cfg, res))
        sixth = [p for p in roster if grade_of(p["birth"]) == 7][:GRADUATES]
        grads = pd.DataFrame({"gkey": [p["id"] for p in sixth], "name": [p["name"] for p in sixth],
                              "sfz": [p["id"] for p in sixth], "xjh": [None] * len(sixth),
                              "birth": [p["birth"] for p in sixth], "sex": "男", "school": "某小学", "class_no": "1",
                              "guardian": "", "phone": "", "address": ""})
        grads["gid"] = range(len(grads))
        tr = timed(f"compute_transition ({len(grads):,} graduates)",
                   lambda: transition.compute_transition(store.roster_rows((7,)), {}, ws.cfg, 2027, grads))
        print("  已升学:", int((tr.graduates["outcome"] == transition.ENROLLED).sum()))
        if args.read_file:
            from kc_batch.reports.xlsxform import Column, ReportMeta, Sheet, write_workbook
            path = wd / "名册.xlsx"
            cols = [Column(h) for h in ("姓名", "身份证号", "出生日期", "户籍所在地")]
            rows = [[r.name, r.id_text, r.birth, r.hukou] for r in pop.itertuples()]
            timed("write a 150,000-row population .xlsx", lambda: write_workbook(
                path, [Sheet("名册", "适龄儿童名册", cols, rows, unit_line=False, footer=False)], ReportMeta("县")))
            frame, errors, _ = timed("read_population (.xlsx → children)",
                                     lambda: census.read_population(path, ws.cfg, ws.cal))
            print("  children:", len(frame), " errors:", len(errors))
        store.close()


if __name__ == "__main__":
    main()
