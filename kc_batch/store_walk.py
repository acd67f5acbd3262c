"""The saved attendance walks in kc.sqlite (issue 18, SPEC §23): the Store's reads and writes of table
walk_states (store_schema step 7; what a state holds: rules/walk_state.py), kept apart from store.py so
that each stays a small module. Imports nothing from kc_batch."""
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
