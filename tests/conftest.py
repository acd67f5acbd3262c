import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

# kc refuses periods after the run day (calendar.today, issue 11 item 9); the suite's data lie in 学年
# 2026—2027, so the suite runs on that 学年's last day, whatever the machine's clock says. A test of the
# run-day rule sets its own day with `run_day`.
RUN_DAY = dt.date(2027, 8, 31)


@pytest.fixture(autouse=True)
def _run_day(monkeypatch):
    import kc_batch.calendar
    monkeypatch.setattr(kc_batch.calendar, "today", lambda: RUN_DAY)


@pytest.fixture
def run_day(monkeypatch):
    """Set the run day: run_day(dt.date(2026, 12, 1))."""
    import kc_batch.calendar

    def set_day(day):
        monkeypatch.setattr(kc_batch.calendar, "today", lambda: day)
    return set_day
