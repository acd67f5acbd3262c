"""The saved attendance walks in kc.sqlite (issue 18, SPEC §23): the Store's reads and writes of table
walk_states (store_schema step 7; what a state holds: rules/walk_state.py) and of the weeks' attendance
counts (week_presence, step 9), kept apart from store.py so that each stays a small module. Imports
nothing from kc_batch."""
from __future__ import annotations

import datetime as dt


class WalkStates:
    """Mixed into store.Store (self.db, begin, commit, rollback)."""

    def walk_state_day(self, until: dt.date, after: dt.date | None) -> dt.date | None:
        """The latest day up to `until` (and after `after`) with saved walk states."""
        row = self.db.execute("SELECT MAX(day) FROM walk_states WHERE day <= ? AND day > ?",
                              (until.isoformat(), after.isoformat() if after else "")).fetchone()
        return dt.date.fromisoformat(row[0]) if row and row[0] else None

    def walk_states(self, day: dt.date) -> list[tuple[str, str, str]]:
        """(key, print, state text) of every student saved at `day`."""
        return self.db.execute("SELECT key, print, state FROM walk_states WHERE day = ?", (day.isoformat(),)).fetchall()

    def save_walk_states(self, day: dt.date, rows, keep_days: int) -> None:
        """Save (key, print, state) rows at `day` in one transaction, and keep the states of the
        `keep_days` latest days only (each state stands alone; an older one only saves time after a
        correction of an older week)."""
        self.begin()
        try:
            self.db.executemany("INSERT OR REPLACE INTO walk_states VALUES (?,?,?,?)",
                                [(day.isoformat(), *r) for r in rows])
            self.db.execute("DELETE FROM walk_states WHERE day < (SELECT MIN(day) FROM (SELECT DISTINCT day FROM "
                            "walk_states ORDER BY day DESC LIMIT ?))", (keep_days,))
            self.commit()
        except BaseException:
            self.rollback()
            raise

    def week_presence(self) -> dict[str, tuple[str, float, float]]:
        """ISO week → (print, days marked while 在读, days present) of every week counted."""
        return {w: (p, m, pr) for w, p, m, pr in self.db.execute("SELECT week, print, marked, present FROM week_presence")}

    def save_week_presence(self, rows) -> None:
        """(week, monday, sunday, print, marked, present) rows, in one transaction."""
        if not rows:
            return
        self.begin()
        try:
            self.db.executemany("INSERT OR REPLACE INTO week_presence VALUES (?,?,?,?,?,?)",
                                [(w, m.isoformat(), s.isoformat(), p, mk, pr) for w, m, s, p, mk, pr in rows])
            self.commit()
        except BaseException:
            self.rollback()
            raise

    def day_presence(self, first: dt.date, last: dt.date) -> list[tuple[str, dt.date, float]]:
        """(student key, day, present) of every stored mark from `first` to `last` (one range of the
        primary key (day, key))."""
        return [(key, dt.date.fromisoformat(day), present) for key, day, present in self.db.execute(
            "SELECT key, day, present FROM marks WHERE day >= ? AND day <= ?", (first.isoformat(), last.isoformat()))]
