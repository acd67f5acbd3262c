"""Compute stage: weekly, monthly, aggregate, census and transition figures."""
