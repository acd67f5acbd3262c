"""`kc monthly`'s 责任落实 sheet (§19) and 台账 workbook (§20): build the chain from kc.toml, compute,
write. Called by run_monthly after the month's figures are computed."""
from __future__ import annotations

from pathlib import Path

from kc_batch.config import Config
from kc_batch.reconcile.ledgers import compute_ledgers
from kc_batch.reconcile.monthly import MonthlyResult
from kc_batch.reconcile.responsibility import Chain, Duties, compute_responsibility
from kc_batch.reports.ledger_book import duty_sheet, write_ledgers
from kc_batch.reports.xlsxform import Sheet


def chain_of(cfg: Config, res: MonthlyResult) -> Chain:
    """校长 from [responsibility] (else [unit] principal), 分管领导 from [responsibility] leaders,
    班主任 from the newest 周查表 of each class."""
    r = cfg.responsibility
    return Chain(r.principal or cfg.unit.principal, dict(r.leaders), dict(res.state.head_teachers))


def duties_and_sheet(cfg: Config, res: MonthlyResult) -> tuple[Duties, Sheet]:
    duties = compute_responsibility(res, chain_of(cfg, res), cfg, visit_rates=None)
    return duties, duty_sheet(res, cfg, duties, visits_available=False)


def write_ledger_book(work_dir: Path, cfg: Config, res: MonthlyResult) -> Path:
    return write_ledgers(work_dir, cfg, res, compute_ledgers(res, cfg))
