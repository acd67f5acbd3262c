import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

# The run day the suite's data are written for: the sample school's 学年 2026—2027, after its November
# report. kc refuses periods after the run day (calendar.today, issue 11 item 9), so the suite pins it.
RUN_DAY = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _run_day(monkeypatch):
    import kc_batch.calendar
    monkeypatch.setattr(kc_batch.calendar, "today", lambda: RUN_DAY)
