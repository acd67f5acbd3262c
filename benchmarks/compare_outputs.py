"""Every cell of every workbook, before and after a change (issue 10: behaviour unchanged).

    python benchmarks/compare_outputs.py snapshot /tmp/before.json     # on the old commit
    python benchmarks/compare_outputs.py snapshot /tmp/after.json      # on the new one
    python benchmarks/compare_outputs.py compare /tmp/before.json /tmp/after.json

A snapshot runs, in throw-away folders, with the checkout's own code (`python -m kc_batch.cli`):
  * sample_data/: kc weekly, kc monthly --month 2026-11, kc send --month 2026-11, kc forms --week 2026-W47
    (the blank forms and the class forms pre-filled from the roster);
  * a 10-school county from benchmarks/county.py: kc weekly and kc monthly in every school (one
    command, ten --dir), kc aggregate of the ten 月报 in the county folder, kc send of the 汇总;
  * kc census of a population list made from the county's rosters (some children left out of every
    roster, some rostered students missing from the list) and kc transition of the 六年级 rosters
    against the 七年级 rosters;
and records every cell value of every sheet of every workbook under out/, and every .eml under
outbox/ (less the Date and Message-ID headers), keyed by scenario and file name. With --xml it also
records a digest of every part of every .xlsx package but docProps/ (the creation time): every sheet's
XML, styles, merges, print setup, drawings — the workbooks byte for byte, not only their cell values.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import email
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import county  # noqa: E402


def kc(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), KC_NO_PROGRESS="1")
    res = subprocess.run([sys.executable, "-m", "kc_batch.cli", *args], cwd=cwd, env=env,
                         capture_output=True, text=True)
    if res.returncode not in (0,):
        print(f"  kc {' '.join(args[:2])}: exit {res.returncode}: {res.stderr.strip()[-300:]}")
    return res


XML = False   # snapshot --xml: also a digest per .xlsx package part (see the module's docstring)


def package_digests(path: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        return {n: hashlib.sha1(z.read(n)).hexdigest() for n in sorted(z.namelist()) if not n.startswith("docProps/")}


def _attachment_digest(payload: bytes):
    """An attached workbook as the digests of its package parts (its zip bytes vary with the creation
    time in docProps/); any other attachment by its length."""
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as z:
            return {n: hashlib.sha1(z.read(n)).hexdigest() for n in sorted(z.namelist()) if not n.startswith("docProps/")}
    except zipfile.BadZipFile:
        return len(payload)


def dump_outputs(folder: Path) -> dict:
    found = {}
    for path in sorted(folder.rglob("*.xlsx")):
        if "out" not in path.relative_to(folder).parts:
            continue
        book = openpyxl.load_workbook(path, data_only=True)
        found[str(path.relative_to(folder))] = {
            ws.title: [[_plain(v) for v in row] for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
        if XML:
            found[str(path.relative_to(folder))]["#package"] = package_digests(path)
    for path in sorted(folder.rglob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes())
        headers = [(k, str(v)) for k, v in msg.items() if k.lower() not in ("date", "message-id")]
        parts = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            name = part.get_filename()
            parts.append([part.get_content_type(), name,
                          payload.decode("utf-8", "replace") if part.get_content_maintype() == "text" else
                          _attachment_digest(payload)])
        found[str(path.relative_to(folder))] = {"headers": headers, "parts": parts}
    return found


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 10)
    return value


def population_from_rosters(county_dir: Path, out_csv: Path) -> None:
    """Every rostered child of the first five schools but each 7th, plus 5 children on no roster."""
    rows = []
    for school in sorted(p for p in county_dir.iterdir() if p.is_dir() and p.name != "county"):
        book = openpyxl.load_workbook(school / "inbox" / "花名册.xlsx", read_only=True)
        for ws in book.worksheets:
            for i, row in enumerate(ws.iter_rows(min_row=3, values_only=True)):
                if row and row[1] and i % 7:
                    birth = row[4].date().isoformat() if isinstance(row[4], dt.datetime) else row[4]
                    rows.append([row[2], row[1], birth, row[3], row[9], row[7], row[8]])
        if len(rows) > 3000:
            break
    for k in range(5):
        birth = dt.date(2016, 3, 1 + k)
        body = f"450923{birth:%Y%m%d}9{k}1"
        rows.append([f"未入学{k}", body + county.id_check_char(body), birth.isoformat(), "男", "石门村", "家长", ""])
    with out_csv.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["姓名", "身份证号", "出生日期", "性别", "户籍所在地", "监护人", "联系电话"])
        w.writerows(rows)


def graduates_from_rosters(schools: list[Path], out_csv: Path) -> None:
    """The 七年级 students of every school but each 5th (they are 已升学), plus 3 graduates on no roster."""
    rows = []
    for school in schools:
        book = openpyxl.load_workbook(school / "inbox" / "花名册.xlsx", read_only=True)
        for ws in book.worksheets:
            if not ws.title.startswith("七年级"):
                continue
            for i, row in enumerate(ws.iter_rows(min_row=3, values_only=True)):
                if row and row[1] and i % 5:
                    birth = row[4].date().isoformat() if isinstance(row[4], dt.datetime) else row[4]
                    rows.append(["第" + str(i % 3 + 1) + "完小", row[0], row[1], row[2], row[3], birth, row[7], row[8], row[9]])
    for k in range(3):
        rows.append(["第1完小", "", "", f"未升学{k}", "女", f"2014-0{k + 1}-11", "家长", "", "石门村"])
    with out_csv.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["学校", "学籍号", "身份证号", "姓名", "性别", "出生日期", "监护人", "联系电话", "家庭住址"])
        w.writerows(rows)


def snapshot(target: Path) -> None:
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sample = tmp / "sample"
        shutil.copytree(ROOT / "sample_data", sample, ignore=shutil.ignore_patterns("generate.py", "README.md"))
        runs = [kc("weekly", "--dir", str(sample), cwd=tmp), kc("monthly", "--dir", str(sample), "--month", "2026-11", cwd=tmp),
                kc("send", "--dir", str(sample), "--month", "2026-11", cwd=tmp),
                kc("forms", "--dir", str(sample), "--week", "2026-W47", cwd=tmp)]
        result["sample"] = {"exit": [r.returncode for r in runs], "files": dump_outputs(sample)}

        cdir = tmp / "county"
        county.generate_county(cdir, schools=10, students=6000, seed=7)
        schools = sorted(p for p in cdir.iterdir() if p.is_dir() and (p / "kc.toml").exists()
                         and "level = \"county\"" not in (p / "kc.toml").read_text(encoding="utf-8"))
        top = next(p for p in cdir.iterdir() if p.is_dir() and "level = \"county\"" in (p / "kc.toml").read_text(encoding="utf-8"))
        dirs = [a for s in schools for a in ("--dir", str(s))]
        runs = [kc("weekly", *dirs, cwd=tmp), kc("monthly", *dirs, "--month", "2026-11", cwd=tmp)]
        for s in schools:
            for book in (s / "out" / "2026-11").glob("*.xlsx"):
                shutil.copy(book, top / "inbox" / book.name)
        toml = top / "kc.toml"
        if "[mail]" not in toml.read_text(encoding="utf-8"):
            toml.write_text(toml.read_text(encoding="utf-8") + '\n[mail]\nto = ["jyj@example.cn"]\n', encoding="utf-8")
        runs += [kc("aggregate", "--dir", str(top), "--month", "2026-11", cwd=tmp),
                 kc("send", "--dir", str(top), "--month", "2026-11", cwd=tmp)]
        files = {f"{s.name}/{k}": v for s in schools for k, v in dump_outputs(s).items()}
        files.update({f"{top.name}/{k}": v for k, v in dump_outputs(top).items()})
        result["county"] = {"exit": [r.returncode for r in runs], "files": files}

        match = tmp / "match"
        (match / "inbox").mkdir(parents=True)
        shutil.copy(top / "kc.toml", match / "kc.toml")
        for s in schools:
            shutil.copytree(s / "inbox", match / "inbox" / s.name, ignore=shutil.ignore_patterns("*周查表*", "*变动*"))
        population_from_rosters(cdir, tmp / "population.csv")
        graduates_from_rosters(schools, tmp / "graduates.csv")
        runs = [kc("census", str(tmp / "population.csv"), "--dir", str(match), "--as-of", "2026-11-20", cwd=tmp),
                kc("transition", "--year", "2026", "--graduates", str(tmp / "graduates.csv"), "--dir", str(match), cwd=tmp)]
        result["matching"] = {"exit": [r.returncode for r in runs], "files": dump_outputs(match),
                              "stdout": [r.stdout.replace(str(tmp), "<tmp>") for r in runs]}
    target.write_text(json.dumps(result, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")
    counts = {k: len(v["files"]) for k, v in result.items()}
    print(f"snapshot written: {target} (workbooks and emails per scenario: {counts}; exits: "
          f"{ {k: v['exit'] for k, v in result.items()} })")


def drop_columns(snap: dict, headers: list[str]) -> None:
    """Remove, in place, every column whose header cell (in the first 6 rows of a sheet) is one of
    `headers`: to compare a snapshot with an added column (本月毕业, 口径代码) against an older one."""
    for scenario in snap.values():
        for sheets in scenario.get("files", {}).values():
            for name, rows in sheets.items():
                if not isinstance(rows, list):
                    continue
                cols = sorted({j for row in rows[:6] for j, v in enumerate(row) if v in headers}, reverse=True)
                for row in rows:
                    for j in cols:
                        if j < len(row):
                            del row[j]


def without_boundaries(snap: dict) -> None:
    """The MIME boundary of an .eml is random: left out of its Content-Type header, in place."""
    for scenario in snap.values():
        for found in scenario.get("files", {}).values():
            if isinstance(found.get("headers"), list):
                found["headers"] = [[k, re.sub(r'boundary="[^"]*"', 'boundary="…"', v)] for k, v in found["headers"]]


def compare(a: Path, b: Path, drop: list[str] = ()) -> int:
    old, new = json.loads(a.read_text(encoding="utf-8")), json.loads(b.read_text(encoding="utf-8"))
    without_boundaries(old)
    without_boundaries(new)
    if drop:
        drop_columns(old, list(drop))
        drop_columns(new, list(drop))
    diffs = 0
    for scenario in sorted(set(old) | set(new)):
        o, n = old.get(scenario, {}), new.get(scenario, {})
        if o.get("exit") != n.get("exit"):
            print(f"{scenario}: exit codes {o.get('exit')} → {n.get('exit')}")
            diffs += 1
        of, nf = o.get("files", {}), n.get("files", {})
        for name in sorted(set(of) | set(nf)):
            if of.get(name) == nf.get(name):
                continue
            diffs += 1
            if name not in of or name not in nf:
                print(f"{scenario}: {name} only {'after' if name in nf else 'before'}")
                continue
            _show_file_diff(scenario, name, of[name], nf[name])
    cells = sum(len(r) for s in old.values() for f in s.get("files", {}).values() if isinstance(f, dict)
                for sheet in f.values() if isinstance(sheet, list) for r in sheet)
    print(f"{'identical' if not diffs else f'{diffs} differences'} "
          f"({sum(len(s.get('files', {})) for s in old.values())} files, {cells} cells compared)")
    return 1 if diffs else 0


def _show_file_diff(scenario, name, o, n, most: int = 8) -> None:
    shown = 0
    for sheet in sorted(set(o) | set(n)):
        if o.get(sheet) == n.get(sheet):
            continue
        if sheet == "#package" and isinstance(o.get(sheet), dict) and isinstance(n.get(sheet), dict):
            parts = sorted(k for k in set(o[sheet]) | set(n[sheet]) if o[sheet].get(k) != n[sheet].get(k))
            print(f"{scenario}: {name} package parts differ: {', '.join(parts)}")
            continue
        if not isinstance(o.get(sheet), list) or not isinstance(n.get(sheet), list):
            print(f"{scenario}: {name} [{sheet}] differs: {o.get(sheet)!r:.200} → {n.get(sheet)!r:.200}")
            continue
        for r, (ro, rn) in enumerate(zip(o[sheet], n[sheet]), 1):
            if ro != rn and shown < most:
                print(f"{scenario}: {name} [{sheet}] row {r}: {ro} → {rn}")
                shown += 1
        if len(o[sheet]) != len(n[sheet]):
            print(f"{scenario}: {name} [{sheet}] rows {len(o[sheet])} → {len(n[sheet])}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snapshot")
    s.add_argument("target", type=Path)
    s.add_argument("--xml", action="store_true", help="also a digest of every .xlsx package part (byte for byte)")
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--drop-column", action="append", default=[], metavar="HEADER",
                   help="leave out the columns with this header (in both snapshots) before comparing")
    args = ap.parse_args(argv)
    if args.cmd == "snapshot":
        global XML
        XML = args.xml
        snapshot(args.target)
        return 0
    return compare(args.before, args.after, args.drop_column)


if __name__ == "__main__":
    sys.exit(main())
