"""Reading stage: file bytes → cell grids → form records (SPEC §3, §10.3)."""
