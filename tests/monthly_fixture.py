"""Builders of received monthly workbooks (SPEC §9.2) for the aggregate tests.

`write_monthly_workbook` lays the workbook out exactly as `kc monthly` does, with the shared form
writer (merged title, 填报单位/统计时段 line, two-row header with merged groups, 合计 row, footer);
`write_retyped_by_hand` writes the same tables with openpyxl the way a clerk re-types them: no merged
cells, the title in B1, header texts with spaces, an extra blank row under the header, rates typed as
text “0.60%”.

The figures are the test's own: `school_rows` adds subtotals, the 合计 row and the rates here, from
the grade counts the test gives, with nothing taken from kc_batch.aggregate.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from kc_batch.reports.xlsxform import Column, ReportMeta, Sheet, write_workbook

COUNTS = ["学年初在校生", "上月末在校生", "本月新生入学", "本月转入", "本月复学", "本月劝返复学", "本月转出",
          "本月休学", "本月死亡", "本月辍学", "本月末在校生", "女生", "建档立卡", "残疾", "送教上门", "留守儿童",
          "随迁子女", "疑似辍学", "当前辍学", "累计辍学"]
RATES = ["年辍学率", "可能辍学率", "巩固率"]
LEAVES = COUNTS + RATES
GROUP = {c: "本月变动" for c in COUNTS[2:10]}
GROUP.update({c: "本月末在校生中" for c in COUNTS[11:17]})
GROUP.update({c: "辍学" for c in COUNTS[17:]})
GROUP.update({c: "比率（%）" for c in RATES})
LIST_HEADERS = ["序号", "学籍号", "姓名", "性别", "年级", "班级", "辍学日期", "辍学原因", "监护人", "联系电话",
                "家庭住址", "类别", "劝返责任人", "劝返次数", "劝返情况"]
SUSPECT_HEADERS = LIST_HEADERS + ["连续旷课天数", "疑似原因"]
CASE_HEADERS = ["学籍号", "姓名", "年级", "班级", "开立日期", "类别", "原因", "责任人", "状态", "返校日期", "销号日期", "销号原因",
                "劝返次数", "劝返记录", "监护人", "联系电话"]
FLOW_HEADERS = ["学籍号", "姓名", "年级", "班级", "变动类型", "变动日期", "对方学校", "回执日期", "状态"]
INDICATOR_HEADERS = ["范围", "指标", "公式", "分子", "分母", "数值", "口径"]
DEFAULT_BASIS = "分母：学年初在校生；休学不计入辍学；统计截止日：每月20日"
PRIMARY = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"]
JUNIOR = ["七年级", "八年级", "九年级"]


def counts(**values) -> list[int]:
    """The 20 counts of one row by name; the rest 0."""
    unknown = set(values) - set(COUNTS)
    assert not unknown, unknown
    return [values.get(c, 0) for c in COUNTS]


def period_text(month: str) -> str:
    year, mon = map(int, month.split("-"))
    prev_year, prev_mon = (year, mon - 1) if mon > 1 else (year - 1, 12)
    return f"{prev_year}年{prev_mon}月21日至{year}年{mon}月20日"


def _rates(row: list, retained_base: tuple[int, int] | None) -> list:
    start, suspect, now = row[0], row[COUNTS.index("疑似辍学")], row[COUNTS.index("当前辍学")]
    retention = retained_base[0] / retained_base[1] if retained_base and retained_base[1] else None
    return [now / start if start else None, (now + suspect) / start if start else None, retention]


def school_rows(grades: dict[str, list[int]], retention: dict[str, tuple[int, int]]) -> dict[str, list]:
    """月报表 rows: each grade, 小学小计 / 初中小计 for the stages present, 合计 — counts summed and
    rates worked out here. retention[grade] = (巩固基数中在读, 巩固基数)."""
    rows: dict[str, list] = {}
    stage_sums = []
    for stage, names in (("小学小计", PRIMARY), ("初中小计", JUNIOR)):
        present = [g for g in names if g in grades]
        if not present:
            continue
        for g in present:
            rows[g] = list(grades[g]) + _rates(grades[g], retention.get(g))
        sub = [sum(grades[g][i] for g in present) for i in range(len(COUNTS))]
        base = (sum(retention[g][0] for g in present), sum(retention[g][1] for g in present))
        rows[stage] = sub + _rates(sub, base)
        stage_sums.append((sub, base))
    total = [sum(s[0][i] for s in stage_sums) for i in range(len(COUNTS))]
    base = (sum(s[1][0] for s in stage_sums), sum(s[1][1] for s in stage_sums))
    rows["合计"] = total + _rates(total, base)
    return rows


def indicators_for(rows: dict[str, list], retention: dict[str, tuple[int, int]]) -> list[list]:
    """指标说明 rows (范围, 指标, 公式, 分子, 分母, 数值, 口径) matching school_rows."""
    out = []
    for scope, row in rows.items():
        if scope in retention:
            base = retention[scope]
        else:
            members = [g for g in retention if (scope == "合计") or (g in (PRIMARY if scope == "小学小计" else JUNIOR))]
            base = (sum(retention[g][0] for g in members), sum(retention[g][1] for g in members))
        start, suspect, now = row[0], row[COUNTS.index("疑似辍学")], row[COUNTS.index("当前辍学")]
        for name, num, den, formula in (("年辍学率", now, start, "当前辍学人数 ÷ 学年初在校生"),
                                        ("可能辍学率", now + suspect, start, "（当前辍学＋疑似辍学）÷ 学年初在校生"),
                                        ("巩固率", base[0], base[1], "巩固基数中在读人数 ÷ 巩固基数")):
            out.append([scope, name, formula, num, den, num / den if den else None, DEFAULT_BASIS])
    return out


def _list_rows(records: list[dict], headers: list[str]) -> list[list]:
    return [[i if h == "序号" else r.get(h) for h in headers] for i, r in enumerate(records, start=1)]


def write_monthly_workbook(path: Path, unit: str, month: str, grade_rows: dict[str, list], dropouts=(), suspects=(),
                           flows=(), indicators=(), period: str | None = None,
                           report_date: dt.date = dt.date(2026, 11, 20), cases=()) -> Path:
    """The §9.2 workbook as `kc monthly` writes it. grade_rows: label → 23 values, 合计 last."""
    period = period or period_text(month)
    labels = [label for label in grade_rows if label != "合计"]
    main = Sheet("月报表", f"{unit}控辍保学动态管理月报表",
                 [Column("年级")] + [Column(c, "int", GROUP.get(c)) for c in COUNTS]
                 + [Column(c, "percent", GROUP[c]) for c in RATES],
                 [[label, *grade_rows[label]] for label in labels], total_row=["合计", *grade_rows["合计"]],
                 subtotal_rows={i for i, label in enumerate(labels) if label.endswith("小计")}, period=period,
                 notes=["注：比率的分子、分母见“指标说明”。"])
    list_cols = [Column(h, "int" if h in ("序号", "劝返次数") else "date" if h == "辍学日期" else "text")
                 for h in LIST_HEADERS]
    sheets = [
        main,
        Sheet("辍学学生名单", f"{unit}辍学学生名单", list_cols, _list_rows(list(dropouts), LIST_HEADERS),
              period=period, empty_text="本月无辍学学生（零报告）"),
        Sheet("疑似辍学名单", f"{unit}疑似辍学学生名单", list_cols + [Column("连续旷课天数", "num"), Column("疑似原因")],
              _list_rows(list(suspects), SUSPECT_HEADERS), period=period, empty_text="本月无疑似辍学学生"),
        Sheet("学生流动", f"{unit}学生流动情况",
              [Column(h, "date" if h.endswith("日期") else "text") for h in FLOW_HEADERS],
              [[f.get(h) for h in FLOW_HEADERS] for f in flows], period=period, empty_text="本月无转入转出"),
        Sheet("劝返台账", f"{unit}辍学学生劝返复学台账",
              [Column(h, "date" if h.endswith("日期") else "int" if h == "劝返次数" else "text") for h in CASE_HEADERS],
              [[c.get(h) for h in CASE_HEADERS] for c in cases], period=period, empty_text="本月没有劝返台账"),
        Sheet("指标说明", f"{unit}指标说明",
              [Column("范围"), Column("指标"), Column("公式"), Column("分子", "num"), Column("分母", "num"),
               Column("数值", "percent"), Column("口径")], [list(r) for r in indicators], period=period),
    ]
    meta = ReportMeta(unit, "张校长", "李老师", "0775-1234567", report_date)
    return write_workbook(Path(path), sheets, meta)


def _pct_text(value) -> str | None:
    return None if value is None else f"{value * 100:.2f}%"


def write_retyped_by_hand(path: Path, unit: str, month: str, grade_rows: dict[str, list], dropouts=(), suspects=(),
                          flows=(), indicators=(), period: str | None = None) -> Path:
    """The same tables typed by hand into a fresh workbook (another style, same header texts)."""
    period = period or period_text(month)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "月报表"
    ws["B1"] = f"{unit}控辍保学动态管理月报表"
    ws["A2"] = f"填报单位：{unit}"
    ws["H2"] = f"统计时段：{period}"
    ws["X2"] = "单位：人"
    spaced = {"学年初在校生": "学年初 在校生", "本月末在校生": "本月末\n在校生", "年辍学率": "年辍学率（%）"}
    ws.append(["年 级"] + [spaced.get(c, c) for c in LEAVES])
    ws.append([])  # the extra blank row under the header
    for label, values in grade_rows.items():
        ws.append([label] + list(values[:len(COUNTS)]) + [_pct_text(v) for v in values[len(COUNTS):]])
    ws.append([])
    ws.append(["单位负责人：王校长", None, None, None, None, "填表人：赵老师"])

    def list_sheet(name, headers, records, zero_text):
        sheet = wb.create_sheet(name)
        sheet["C1"] = f"{unit}{name}"
        sheet.append([" ".join(h) if len(h) == 2 else h for h in headers])
        if not records:
            sheet.append([zero_text])
        for row in _list_rows(list(records), headers):
            sheet.append([v.isoformat() if isinstance(v, dt.date) else v for v in row])

    list_sheet("辍学学生名单", LIST_HEADERS, dropouts, "本月无辍学学生（零报告）")
    list_sheet("疑似辍学名单", SUSPECT_HEADERS, suspects, "本月无")
    flow = wb.create_sheet("学生流动")
    flow.append(FLOW_HEADERS)
    for f in flows:
        flow.append([f.get(h).isoformat() if isinstance(f.get(h), dt.date) else f.get(h) for h in FLOW_HEADERS])
    ind = wb.create_sheet("指标说明")
    ind.append(["指标说明"])
    ind.append(INDICATOR_HEADERS)
    previous = None
    for row in indicators:
        scope = None if row[0] == previous else row[0]  # 范围 typed once per block, as in a merged cell
        previous = row[0]
        ind.append([scope, *row[1:5], _pct_text(row[5]), row[6]])
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return Path(path)
