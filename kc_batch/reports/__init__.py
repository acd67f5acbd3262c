"""Report workbooks (weekly, monthly, aggregate, census) and the shared form writer."""
