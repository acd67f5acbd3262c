"""`kc monthly`'s 责任落实 sheet (§19) and 台账 workbook (§20): build the chain from kc.toml, compute,
write. Called by run_monthly after the month's figures are computed."""
from __future__ import annotations

from pathlib import Path

from kc_batch.config import Config
from kc_batch.reconcile.home_visits import class_visit_rates, compute_visit_stats
from kc_batch.rules.classes import head_teachers
from kc_batch.model import Visit
from kc_batch.rules.home_visits import visits_by_student
from kc_batch.reconcile.ledgers import compute_ledgers
from kc_batch.reconcile.monthly import MonthlyResult
from kc_batch.reconcile.responsibility import Chain, Duties, compute_responsibility
from kc_batch.reports.ledger_book import duty_sheet, write_ledgers
from kc_batch.reports.xlsxform import Sheet


def chain_of(cfg: Config, res: MonthlyResult) -> Chain:
    """校长 from [responsibility] (else [unit] principal), 分管领导 from [responsibility] leaders,
    班主任 from kc.toml [[classes]], else the newest 周查表 of each class."""
    r = cfg.responsibility
    return Chain(r.principal or cfg.unit.principal, dict(r.leaders), head_teachers(cfg, res.state.head_teachers))


def duties_and_sheet(cfg: Config, res: MonthlyResult, register: list[Visit]) -> tuple[Duties, Sheet]:
    """§19 with each class's 家访完成率 (§17.2) as of the cutoff; `register`: the stored 家访登记表 rows."""
    visits = visits_by_student(register, res.state, res.cutoff)
    stats = compute_visit_stats(res.state, visits, cfg.policy.home_visits,
                                head_teachers(cfg, res.state.head_teachers), res.cutoff)
    duties = compute_responsibility(res, chain_of(cfg, res), cfg, visit_rates=class_visit_rates(stats))
    return duties, duty_sheet(res, cfg, duties, visits_available=True)


def write_ledger_book(work_dir: Path, cfg: Config, res: MonthlyResult, census: list[dict] = ()) -> Path:
    """census: the newest kc census's 适龄未入学 children as the store keeps them (§20)."""
    return write_ledgers(work_dir, cfg, res, compute_ledgers(res, cfg, census))
