"""Print every workbook kind the way a clerk would: LibreOffice → PDF → pages, measured (issue 13).

    python tests/render_pages.py [OUTDIR]      # default: $TMPDIR/kc_render

builds the sample school's weekly and monthly workbooks and blank forms, a small county aggregate,
a census and a 小升初 workbook, converts all of them to PDF in one soffice call, writes a PNG of
the first page of every sheet to OUTDIR/png/ and prints, per sheet, its pages and the smallest
effective font size. tests/test_render.py asserts on the same measurements.
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (str(HERE), str(ROOT)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

PAGE_FOOTER_BAND = 45.0   # pt at the bottom of a page: LibreOffice's page footer (sheet name, page number)
SOFFICE_TIMEOUT = 900


def tools_missing() -> str | None:
    """Why the render check cannot run here, or None."""
    for tool in ("soffice", "pdftotext", "pdftoppm", "fc-list"):
        if shutil.which(tool) is None:
            return f"{tool} 未安装（apt-get install libreoffice-calc fonts-noto-cjk fonts-crosextra-carlito poppler-utils）"
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True, timeout=60).stdout.lower()
    if "carlito" not in fonts:  # without Calibri's metric twin LibreOffice draws every column a third wider
        return "Carlito 字体未安装（apt-get install fonts-crosextra-carlito），列宽与 Excel 不一致，无法检查字号"
    if "noto sans cjk" not in fonts:
        return "中文字体未安装（apt-get install fonts-noto-cjk）"
    return None


# ---------------------------------------------------------------- building the workbooks


def build_workbooks(root: Path) -> list[Path]:
    """Every workbook kind, from sample_data/ and the small scripted counties of the tests."""
    from click.testing import CliRunner
    from kc_batch.cli import main as cli

    root.mkdir(parents=True, exist_ok=True)
    runner = CliRunner()
    sample = root / "sample"
    shutil.rmtree(sample, ignore_errors=True)
    shutil.copytree(ROOT / "sample_data", sample)
    for args in (["weekly", "--dir", str(sample), "--week", "2026-W47"],
                 ["monthly", "--dir", str(sample), "--month", "2026-11"],
                 ["forms", "--dir", str(sample), "--week", "2026-W48"],
                 ["term", "--dir", str(sample), "--term", "秋季学期", "--kind", "end", "--force"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    _build_aggregate(root / "county", runner)
    _build_term(root / "term")
    _build_quarter(root / "quarter", runner)
    _build_matching(root)
    return sorted(p for p in root.rglob("out/**/*.xlsx") if not p.name.startswith("."))


def _build_aggregate(folder: Path, runner) -> None:
    import test_aggregate as agg
    from kc_batch.cli import main as cli
    shutil.rmtree(folder, ignore_errors=True)
    d = agg.aggregator(folder, "示例县教育局", "county", agg.UNITS)
    for write in (agg.write_a, agg.write_b, agg.write_c, agg.write_d):
        write(d / "inbox")
    result = runner.invoke(cli, ["aggregate", "--dir", str(d), "--month", agg.MONTH])
    assert result.exit_code == 0, result.output


def _build_term(folder: Path) -> None:
    """The two-year school of tests/test_term.py: its 学期末 report (spring) and 开学 report (autumn)."""
    import kc_batch.calendar
    import test_term
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    saved = kc_batch.calendar.today
    try:
        test_term.week_by_week(folder, lambda day: setattr(kc_batch.calendar, "today", lambda: day))
    finally:
        kc_batch.calendar.today = saved


def _build_quarter(folder: Path, runner) -> None:
    """The 城关镇 季评 of tests/test_upward.py (§21.3), and 示例县's November 汇总 with 城关镇's schools under
    its 乡镇小计 and the 九年一贯制 school's 学段 rows (§21.4)."""
    import test_upward as up
    from kc_batch.cli import main as cli
    shutil.rmtree(folder, ignore_errors=True)
    town, _ = up.quarter_folders(folder)
    result = runner.invoke(cli, ["aggregate", "--dir", str(town), "--quarter", up.Q])
    assert result.exit_code == 0, result.output
    town, county = up.township_and_county(folder / "upward")
    up.run_both(town, county)


def _build_matching(root: Path) -> None:
    import test_census
    import test_transition
    for name in ("census", "transition"):
        shutil.rmtree(root / name, ignore_errors=True)
        (root / name).mkdir()
    wd, pop = test_census.build(root / "census")
    test_census.run(wd, pop, "2026-11-20")
    test_transition.run(test_transition.build(root / "transition"))
    import test_census_province as province   # §23: the per-county 适龄未入学 books and the summary
    shutil.rmtree(root / "province", ignore_errors=True)
    pop, rosters, _ = province.hand_example(root / "province")
    province.province(pop, rosters, root / "province" / "out" / "census-province")


# ---------------------------------------------------------------- LibreOffice


def soffice_convert(files: list[Path], out_dir: Path, target: str, profile: Path) -> None:
    """All files in one soffice call (it starts once: ~2 s; each workbook then takes well under 1 s)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", target,
                    "--outdir", str(out_dir), *map(str, files)],
                   check=True, timeout=SOFFICE_TIMEOUT, capture_output=True)


# ---------------------------------------------------------------- pages


@dataclass
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Page:
    number: int
    height: float
    words: list[Word]
    sheet: str = ""

    @property
    def body(self) -> list[Word]:
        return [w for w in self.words if w.y0 < self.height - PAGE_FOOTER_BAND]

    def text(self) -> str:
        return "".join(w.text for w in self.body)

    def lines(self) -> list[str]:
        """Cell texts put back together: words stacked at the same left edge or centre (a wrapped cell)."""
        return _stacked_texts(self.body)


_PAGE = re.compile(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def read_pages(pdf: Path) -> list[Page]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                         timeout=120).stdout.decode("utf-8")
    pages = []
    for number, (height, body) in enumerate(_PAGE.findall(out), start=1):
        words = [Word(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in _WORD.findall(body)]
        page = Page(number, float(height), words)
        page.sheet = _page_sheet_name(page)
        pages.append(page)
    return pages


def _page_sheet_name(page: Page) -> str:
    """The writer puts the sheet's name at the left of the page footer (&A)."""
    band = [w for w in page.words if w.y0 >= page.height - PAGE_FOOTER_BAND]
    band.sort(key=lambda w: w.x0)
    return band[0].text if band and not band[0].text.startswith("第") else ""


def _stacked_texts(words: list[Word], tolerance: float = 2.0) -> list[str]:
    """Texts of words stacked line under line at the same left edge or the same centre (one wrapped
    cell), every word also on its own."""
    runs: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.y0):
        for run in runs:
            last = run[-1]
            below = 0 <= w.y0 - last.y0 <= (last.y1 - last.y0) * 1.6 and w.y0 > last.y0 + 1
            aligned = abs(w.x0 - last.x0) < tolerance or abs(w.centre - last.centre) < tolerance
            if below and aligned:
                run.append(w)
                break
        else:
            runs.append([w])
    texts = ["".join(x.text for x in run[i:j]) for run in runs for i in range(len(run))
             for j in range(i + 1, len(run) + 1)]
    return texts


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def word_size(word: Word) -> float | None:
    """Effective font size of a word of CJK characters only (each is one em wide), else None.

    Every cell font of a sheet is 11 pt (16 pt title), so the CJK words measure the print scale × font
    size of the whole sheet, numbers included."""
    if len(word.text) < 2 or not all(is_wide(ch) for ch in word.text):
        return None
    across, down = word.x1 - word.x0, word.y1 - word.y0
    return max(across, down) / len(word.text)  # a rotated word (a chart's value axis name) runs down


def smallest_size(page: Page) -> float | None:
    sizes = [s for s in map(word_size, page.body) if s is not None]
    return min(sizes) if sizes else None


def overlapping(page: Page, tolerance: float = 0.8) -> list[tuple[str, str]]:
    """Pairs of words drawn over each other (an overflowing cell, or a cut text shown beside another).

    Two lines of one wrapped cell touch (the boxes are 1.3 em high), so words must share over half their
    height, and more than `tolerance` pt across, to count."""
    words = sorted(page.body, key=lambda w: w.y0)
    pairs = []
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if b.y0 >= a.y1 - tolerance:
                break
            shared = min(a.y1, b.y1) - max(a.y0, b.y0)
            if min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance and shared > 0.5 * min(a.y1 - a.y0, b.y1 - b.y0):
                pairs.append((a.text, b.text))
    return pairs


def first_pages(pages: list[Page]) -> dict[str, Page]:
    firsts: dict[str, Page] = {}
    for page in pages:
        firsts.setdefault(page.sheet, page)
    return firsts


def write_pngs(pdf: Path, pages: list[Page], png_dir: Path, resolution: int = 70) -> list[Path]:
    png_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for sheet, page in first_pages(pages).items():
        stem = png_dir / f"{pdf.stem}__{sheet or page.number}"
        subprocess.run(["pdftoppm", "-f", str(page.number), "-l", str(page.number), "-r", str(resolution),
                        "-png", "-singlefile", str(pdf), str(stem)], check=True, timeout=120)
        made.append(stem.with_suffix(".png"))
    return made


# ---------------------------------------------------------------- the whole run


@dataclass
class Rendered:
    root: Path
    workbooks: list[Path]
    pdfs: dict[Path, Path] = field(default_factory=dict)          # workbook → pdf
    pages: dict[Path, list[Page]] = field(default_factory=dict)   # workbook → pages
    round_trip: dict[Path, Path] = field(default_factory=dict)    # workbook → LibreOffice's xlsx


def render_all(root: Path, round_trip: bool = True) -> Rendered:
    workbooks = build_workbooks(root / "work")
    unique = {}
    for book in workbooks:  # soffice names its output after the input: keep names distinct
        unique.setdefault(book.name, book)
    staged = root / "xlsx"
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    books = [Path(shutil.copy(book, staged / book.name)) for book in unique.values()]
    profile = root / "lo_profile"
    soffice_convert(books, root / "pdf", "pdf", profile)
    result = Rendered(root, books)
    for book in books:
        pdf = root / "pdf" / (book.stem + ".pdf")
        result.pdfs[book] = pdf
        result.pages[book] = read_pages(pdf)
        write_pngs(pdf, result.pages[book], root / "png")
    if round_trip:
        soffice_convert(books, root / "roundtrip", "xlsx", profile)
        result.round_trip = {book: root / "roundtrip" / book.name for book in books}
    return result


def main(argv: list[str]) -> int:
    reason = tools_missing()
    if reason:
        print(reason)
        return 1
    root = Path(argv[1]) if len(argv) > 1 else Path(tempfile.gettempdir()) / "kc_render"
    rendered = render_all(root, round_trip=False)
    for book, pages in rendered.pages.items():
        print(book.name)
        by_sheet: dict[str, list[Page]] = {}
        for page in pages:
            by_sheet.setdefault(page.sheet, []).append(page)
        for sheet, sheet_pages in by_sheet.items():
            sizes = [s for s in map(smallest_size, sheet_pages) if s is not None]
            print(f"  {sheet}: {len(sheet_pages)} 页，最小字号 {min(sizes):.1f} pt" if sizes else f"  {sheet}: {len(sheet_pages)} 页")
    print(f"PNG：{root / 'png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
