"""Domain rules: status from events (§5), streaks and the ladder (§6), findings (§7)."""
