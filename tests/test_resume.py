"""Runs that go on from saved walk states equal runs from scratch (issue 18, SPEC §23; app/resume.py).

A seeded random school of 24 students in two classes is imported one week at a time, as a clerk does:
each week's 周查表 (random 病/事/迟/旷/旷半天/旷2节 marks, and absentees with runs of 3–14 days
旷课, so that ladder steps, 疑似辍学, 劝返 cases, returns and closings happen), and the cumulative
学籍变动登记表 re-sent with the events registered so far — some registered weeks after their date, a
转出's 回执 filled in later. In some weeks an older week's 周查表 is corrected (the file re-sent with
changed marks: its class-weeks are replaced). After every `kc weekly` (and `kc monthly` once its
cutoff has passed) the folder is copied, the copy's saved walk states are deleted, and the same
command is run on the copy: every cell of every workbook must be the same. The runs on the school
itself must actually have gone on from saved states (checked through a spy on app.resume).
"""
from __future__ import annotations

import datetime as dt
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from school import change_sheet, check_sheet, make_id, make_workdir, out_cells, roster_sheet, write

from kc_batch.app import jobs, resume

WEEKS = [f"2026-W{n}" for n in range(36, 46)]          # 2026-09-01 … 2026-11-06 (国庆 off, 10-10 a school day)
MONTHS = {"2026-W39": "2026-09", "2026-W43": "2026-10"}   # run kc monthly after the week holding the cutoff
NO_WEEKLY = {"2026-W43"}   # only kc monthly that week: the next weekly goes on from the states of 10-20, a Tuesday
CLASSES = ("1班", "2班")
NOISE = [("病", 0.03), ("事", 0.02), ("迟", 0.02), ("旷", 0.02), ("旷半天", 0.01), ("旷2节", 0.01)]


def _students() -> list[dict]:
    names = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"
    return [dict(id=make_id(dt.date(2017, 1 + i % 12, 1 + i), i + 1, i % 2 == 0), name=f"{n}同学",
                 sex="男" if i % 2 == 0 else "女", birth=f"2017-{1 + i % 12:02d}-{1 + i:02d}",
                 klass=CLASSES[i % 2]) for i, n in enumerate(names)]


class Year:
    """The school's inputs as they stand after each week (seeded)."""

    def __init__(self, seed: int, days_of: dict[str, list[dt.date]]):
        self.rng = random.Random(seed)
        self.days_of = days_of
        self.students = _students()
        days = [d for w in WEEKS for d in days_of[w]]
        self.marks: dict[str, dict[dt.date, str]] = {s["name"]: {} for s in self.students}
        for s in self.students:
            for d in days:
                mark = self._noise()
                if mark:
                    self.marks[s["name"]][d] = mark
        for s in self.rng.sample(self.students, 5):       # absentees: a run of 3–14 school days 旷
            first = self.rng.randrange(len(days) - 3)
            for d in days[first:first + self.rng.randint(3, 14)]:
                self.marks[s["name"]][d] = "旷"
        self.events: list[tuple[str, list]] = []          # (week registered, change row)
        self.written: dict = {}
        self._plan_events(days)

    def _noise(self) -> str | None:
        r = self.rng.random()
        for mark, p in NOISE:
            if r < p:
                return mark
            r -= p
        return None

    def _row(self, s, kind, day, other="", receipt="", reason="", who="", note=""):
        return ["G" + s["id"], s["id"], s["name"], "三年级", s["klass"], kind, day.isoformat(), other,
                receipt.isoformat() if receipt else "", reason, who, note]

    def _register(self, day: dt.date, row: list) -> None:
        """Registered in the week of the day or up to three weeks later (a backdated entry)."""
        week = next(i for i, w in enumerate(WEEKS) if day <= self.days_of[w][-1])
        self.events.append((WEEKS[min(len(WEEKS) - 1, week + self.rng.randint(0, 3))], row))

    def _gone(self, s, day: dt.date) -> None:
        for d in list(self.marks[s["name"]]):
            if d >= day:
                del self.marks[s["name"]][d]
        self.marks[s["name"]].update({d: "—" for w in WEEKS for d in self.days_of[w] if d >= day})

    def _plan_events(self, days: list[dt.date]) -> None:
        rng = self.rng
        a, b, c, d = rng.sample(self.students, 4)
        out = rng.choice(days[5:-10])
        receipt = days[days.index(out) + rng.randint(1, 8)]
        self._register(out, self._row(a, "转出", out, "县实验小学"))
        self._register(receipt, self._row(a, "转出", out, "县实验小学", receipt))     # the 回执 filled in later
        self._gone(a, out)
        gone = rng.choice(days[5:-12])
        self._register(gone, self._row(b, "转出", gone, "城关小学"))                  # no 回执: 逾期未回执
        self._gone(b, gone)
        rest, back = sorted(rng.sample(days[3:-3], 2))
        self._register(rest, self._row(c, "休学", rest, reason="身体原因"))
        self._register(back, self._row(c, "复学", back))
        for day in days:
            if rest <= day < back:
                self.marks[c["name"]][day] = "—"
        drop, log, ret = sorted(rng.sample(days[5:-2], 3))
        self._register(drop, self._row(d, "辍学", drop, reason="外出务工", who="王老师"))
        self._register(log, self._row(d, "劝返记录", log, who="王老师", note="家访：家长同意返校"))
        self._register(ret, self._row(d, "劝返复学", ret))
        for day in days:
            if drop <= day < ret:
                self.marks[d["name"]][day] = "—"

    def correct(self, week: str) -> None:
        """An older week re-sent with some marks changed (a streak made longer or cut, a typo fixed)."""
        for s in self.rng.sample(self.students, 4):
            for day in self.rng.sample(self.days_of[week], 2):
                if self.marks[s["name"]].get(day) == "—":
                    continue
                self.marks[s["name"]][day] = self.rng.choice(["旷", "旷", None, "病", "迟"])

    def write(self, inbox: Path, upto: int) -> None:
        """Each week's 周查表 whose content changed (a new week, or a corrected one), and the register."""
        for n in range(upto + 1):
            week = WEEKS[n]
            sheets = {f"三年级{k}": check_sheet(f"示例小学三年级({k[0]})班周查表", self.days_of[week],
                                                 self.marks, [s for s in self.students if s["klass"] == k])
                      for k in CLASSES}
            if self.written.get(week) != sheets:
                write(inbox / f"周查表_{week}.xlsx", sheets)
                self.written[week] = sheets
        registered = [row for w, row in self.events if WEEKS.index(w) <= upto]
        if registered and self.written.get("变动") != registered:
            write(inbox / "学籍变动登记表.xlsx", {"变动": change_sheet(registered)})
            self.written["变动"] = registered


def _from_scratch(wd: Path, scratch: Path, command, **kwargs) -> dict:
    """The same command on a copy of the folder whose saved walk states are deleted."""
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(wd, scratch, ignore=shutil.ignore_patterns("out"))
    db = sqlite3.connect(scratch / "kc.sqlite")
    db.execute("DELETE FROM walk_states")
    db.commit()
    db.close()
    command(scratch, **kwargs)
    return out_cells(scratch)


@pytest.mark.parametrize("seed", [7, 2026])
def test_runs_from_saved_states_equal_runs_from_scratch(tmp_path, monkeypatch, seed):
    wd = make_workdir(tmp_path / "school")
    write(wd / "inbox" / "花名册.xlsx", {f"三年级{k}": roster_sheet(f"示例小学三年级({k[0]})班学生花名册",
                                                                    [s for s in _students() if s["klass"] == k])
                                        for k in CLASSES})
    ws = jobs.open_workspace(wd)
    year = Year(seed, {w: ws.cal.school_days_of_week(w) for w in WEEKS})
    seen, counted, reviewed = [], [], []
    real = resume.load_resumed

    def spy(*args, **kwargs):
        data, resumed = real(*args, **kwargs)
        seen.append((resumed.day, len(data.walk_states), len(resumed.restarted)))
        counted.append(len(data.weekly_presence))
        reviewed.append(len(data.review_marks))
        return data, resumed
    monkeypatch.setattr(resume, "load_resumed", spy)
    corrected = 0
    for n, week in enumerate(WEEKS):
        if n >= 3 and week != "2026-W44" and year.rng.random() < 0.4:
            year.correct(WEEKS[year.rng.randrange(n - 2, n)] if n > 3 else WEEKS[1])
            corrected += 1
        year.write(wd / "inbox", n)
        runs = [] if week in NO_WEEKLY else [(jobs.run_weekly, dict(week=week, force=True))]
        if n % 3 == 2:
            runs += runs   # the week run again (its own states saved: it goes on from the week before)
        if week in MONTHS:
            runs.append((jobs.run_monthly, dict(month=MONTHS[week], force=True)))
        for command, kwargs in runs:
            shutil.rmtree(wd / "out", ignore_errors=True)
            command(wd, **kwargs)
            mine = out_cells(wd)
            assert mine, (week, command.__name__)
            theirs = _from_scratch(wd, tmp_path / "scratch", command, **kwargs)
            assert mine == theirs, (week, command.__name__)
    monkeypatch.undo()
    # the school's own runs (not the copies': every second call) went on from saved states
    own = seen[0::2]
    assert corrected >= 1
    went_on = [s for s in own if s[1] >= 20]
    assert len(went_on) >= len(WEEKS) // 2, own
    assert any(day == dt.date(2026, 10, 20) for day, _, _ in own), own   # W44 went on from the monthly's states
    # October's monthly took the chart's weeks up to its states' day as counted before (week_presence)
    assert max(counted[0::2]) >= 6, counted
    # a monthly's 预警回顾 followed flags carried by saved states from their marks before the states' day
    # (resume._marks_after_flags); the from-scratch copy walked those students over all their marks
    assert max(reviewed[0::2]) >= 1, reviewed
