"""Province-scale reading with DuckDB (SPEC §23; the optional extra `pip install 'kc_batch[scale]'`).

The §3.6 identity rules and the §3.5 date and name rules have one home, read/identity.py and
read/values.py. Here they are expressed as DuckDB macros so that ten million rows are normalised inside
the database, out of core — and only there where the Python rule is known to give the same answer:
  * a 身份证号/学籍号 text of printable ASCII only (where NFKC changes nothing) is cleaned and checked
    in SQL — the 17 weights and the check characters are identity.WEIGHTS / identity.CHECK_CHARS;
  * a name of ASCII, CJK unified ideographs (U+4E00–U+9FFF) and “·” only (NFKC changes none of them);
  * a date text of ASCII and 年月日 only, matched with the very patterns of values.parse_date;
every other text goes through the Python rule itself (a DuckDB Python function: identity.clean_id_text,
identity.normalise_name, values.parse_date), row by row. tests/test_census_province.py checks that both
paths give the same result on the same values.

DuckDB is imported here only, and only on that path (`connect`): without it, a Chinese message says how
to install the extra.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from kc_batch.errors import NoInputError, UsageError
from kc_batch.read import identity
from kc_batch.read.files import sniff_delimiter
from kc_batch.read.values import _DATE_PATTERNS, _MONTH_PATTERNS, norm_header, parse_date
from kc_batch.schemas import ALIASES, FIELD_CN, PROVINCE_ALIASES

SCALE_HINT = ("省级人籍比对要用 DuckDB，本机尚未安装。请运行：pip install 'kc_batch[scale]'"
              "（或 pip install duckdb），然后重新运行本命令。")
ASCII_TEXT = r"[\x20-\x7E]*"
NAME_TEXT = r"[\x20-\x7E\x{4E00}-\x{9FFF}·]*"
DATE_TEXT = r"[\x20-\x7E年月日]*"
HEADER_LINES = 20


def database_error():
    """DuckDB's error class (to turn its failures into a Chinese message)."""
    return duckdb_module().Error


def duckdb_module():
    try:
        import duckdb
    except ImportError:
        raise UsageError(SCALE_HINT) from None
    return duckdb


def connect(db_path: Path, memory_limit: str = "4GB", threads: int | None = None):
    """A DuckDB database file at db_path (out of core: tables and spills live on disk), with the macros."""
    duckdb = duckdb_module()
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", memory_limit.strip(), re.IGNORECASE):
        raise UsageError(f"--memory “{memory_limit}” 无法识别，应写成 4GB、6GB 或 2500MB 这样的大小。")
    con = duckdb.connect(str(db_path))
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{Path(db_path).parent / 'spill'}'")
    con.execute("SET preserve_insertion_order = true")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    install_macros(con, dt.date.today())
    return con


# ---------------------------------------------------------------- the rules as SQL

def _py_date(text):
    day = parse_date(text, allow_month=True)
    return day.isoformat() if day else None


def _none_passing(fn):
    return lambda text: None if text is None else fn(text)


def _sql_text(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def check_char_sql(b: str) -> str:
    """identity.check_char of the 17-digit text b, as SQL (each digit by its character code: cheaper than a cast)."""
    terms = " + ".join(f"(ascii(substr({b}, {i + 1}, 1)) - 48) * {w}" for i, w in enumerate(identity.WEIGHTS))
    return f"substr({_sql_text(identity.CHECK_CHARS)}, CAST(({terms}) % 11 AS INTEGER) + 1, 1)"


def _date_case(s: str) -> str:
    whens = []
    for pat in _DATE_PATTERNS:
        p = _sql_text(pat.pattern)
        whens.append(f"WHEN regexp_matches({s}, {p}) THEN kc_ymd(regexp_extract({s}, {p}, 1), "
                     f"regexp_extract({s}, {p}, 2), regexp_extract({s}, {p}, 3))")
    for pat in _MONTH_PATTERNS:
        p = _sql_text(pat.pattern)
        whens.append(f"WHEN regexp_matches({s}, {p}) AND CAST(regexp_extract({s}, {p}, 2) AS INTEGER) BETWEEN 1 AND 12 "
                     f"THEN kc_ymd(regexp_extract({s}, {p}, 1), regexp_extract({s}, {p}, 2), '1')")
    return "CASE " + " ".join(whens) + " END"


def install_macros(con, today: dt.date) -> None:
    """kc_clean_id(text), kc_valid_id(cleaned), kc_name(text), kc_date(text) and helpers (see the
    module docstring); `today` bounds an ID's birth date as identity.validate_id does."""
    VARCHAR = duckdb_module().sqltype("VARCHAR")
    for name, fn in (("kc_py_clean_id", identity.clean_id_text), ("kc_py_name", identity.normalise_name),
                     ("kc_py_date", _py_date)):
        con.create_function(name, _none_passing(fn), [VARCHAR], VARCHAR, null_handling="special", side_effects=False)
    macros = [
        "kc_ymd(y, m, d) AS CASE WHEN CAST(y AS INTEGER) >= 1 THEN "
        "try(make_date(CAST(y AS INTEGER), CAST(m AS INTEGER), CAST(d AS INTEGER))) END",
        # 8 digits → the date or NULL (strptime refuses 2014-02-30; year 0000 is no date in Python)
        "kc_birth8(d) AS CASE WHEN regexp_full_match(d, '[0-9]{8}') AND NOT starts_with(d, '0000') "
        "THEN CAST(try_strptime(d, '%Y%m%d') AS DATE) END",
        f"kc_check(b) AS {check_char_sql('b')}",
        f"kc_clean_id(s) AS CASE WHEN s IS NULL THEN NULL WHEN regexp_full_match(s, '{ASCII_TEXT}') "
        "THEN upper(replace(ltrim(trim(s), '''`'), ' ', '')) ELSE kc_py_clean_id(s) END",
        "kc_id15(c) AS substr(c, 1, 6) || '19' || substr(c, 7, 9)",
        "kc_valid_id(c) AS CASE "
        "WHEN length(c) = 15 THEN CASE WHEN regexp_full_match(c, '[0-9]{15}') AND kc_birth8(substr(kc_id15(c), 7, 8)) "
        "IS NOT NULL THEN kc_id15(c) || kc_check(kc_id15(c)) END "
        # (18 digits: a birth year below 1800, 0000 too, is refused by the range)
        "WHEN regexp_full_match(c, '[0-9]{17}[0-9X]') AND kc_check(c) = substr(c, 18, 1) AND "
        f"try_strptime(substr(c, 7, 8), '%Y%m%d') BETWEEN DATE '1800-01-01' AND DATE '{today.isoformat()}' THEN c END",
        "kc_xjh_id(x) AS CASE WHEN length(x) = 19 AND substr(x, 1, 1) IN ('G', 'J') THEN kc_valid_id(substr(x, 2)) END",
        "kc_id_sex(c) AS CASE WHEN CAST(substr(c, 17, 1) AS INTEGER) % 2 = 1 THEN '男' ELSE '女' END",
        f"kc_name(s) AS CASE WHEN s IS NULL THEN NULL WHEN regexp_full_match(s, '{NAME_TEXT}') "
        "THEN replace(replace(s, ' ', ''), '.', '·') ELSE kc_py_name(s) END",
        f"kc_date_ascii(s) AS {_date_case('s')}",
        # the common 2014-05-03 first (a cast gives what the first pattern of parse_date gives, but year 0000)
        "kc_date(s) AS CASE WHEN s IS NULL THEN NULL "
        "WHEN regexp_full_match(s, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND NOT starts_with(s, '0000') THEN TRY_CAST(s AS DATE) "
        f"WHEN regexp_full_match(s, '{DATE_TEXT}') "
        "THEN kc_date_ascii(replace(s, ' ', '')) ELSE CAST(kc_py_date(s) AS DATE) END",
        "kc_text(s) AS nullif(trim(s), '')",
    ]
    for m in macros:
        con.execute("CREATE OR REPLACE MACRO " + m)


# ---------------------------------------------------------------- CSV files

@dataclass
class CsvLayout:
    path: Path             # a UTF-8 file (a GBK original is re-encoded into the work folder first)
    original: Path
    delimiter: str
    header_line: int       # 0-based line of the header
    width: int
    fields: dict[str, int]  # field → column index

    def column(self, field: str) -> str:
        """The SQL column of a field, or NULL when the file has none."""
        return f"c{self.fields[field]}" if field in self.fields else "CAST(NULL AS VARCHAR)"


_FIELD_OF = {norm_header(a): f for f, names in {**ALIASES, **PROVINCE_ALIASES}.items() for a in names}


def csv_layout(path: Path, work: Path, required: list[tuple[str, ...]], what: str) -> CsvLayout:
    """Where the header is and which column holds which field; `required`: groups of fields of which
    one must be there (a Chinese NoInputError names the file and the missing columns otherwise)."""
    path = Path(path)
    head = path.read_bytes()[:256 * 1024] if path.stat().st_size else b""
    text, encoding = _decode_head(head, path)
    lines = text.splitlines()[:HEADER_LINES]
    delimiter = sniff_delimiter("\n".join(lines) + "\n")
    for i, row in enumerate(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)):
        fields: dict[str, int] = {}
        for j, cell in enumerate(row):
            f = _FIELD_OF.get(norm_header(cell))
            if f and f not in fields:
                fields[f] = j
        if len(fields) >= 2 and "name" in fields:
            missing = [g for g in required if not any(f in fields for f in g)]
            if missing:
                names = "；".join("或".join(_cn(f) for f in g) for g in missing)
                raise NoInputError(f"{path.name} 第 {i + 1} 行的表头缺少列：{names}（{what}）。")
            utf8 = path if encoding == "utf-8" else _reencode(path, work, encoding)
            return CsvLayout(utf8, path, delimiter, i, len(row), fields)
    raise NoInputError(f"{path.name} 的前 {HEADER_LINES} 行中没有找到表头（应含 姓名、身份证号 等列；{what}）。")


def _cn(field: str) -> str:
    return FIELD_CN.get(field) or PROVINCE_ALIASES[field][0]


def _decode_head(head: bytes, path: Path) -> tuple[str, str]:
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:].decode("utf-8", "ignore"), "utf-8"
    for encoding in ("utf-8", "gb18030"):
        try:
            return codecs.getincrementaldecoder(encoding)().decode(head, final=False), encoding
        except UnicodeDecodeError:
            continue
    raise NoInputError(f"{path.name} 不是 UTF-8 或 GBK 编码的文本文件，无法读取。")


def _reencode(path: Path, work: Path, encoding: str) -> Path:
    """A GBK (GB18030) file → a UTF-8 copy in the work folder, in 16 MB steps."""
    target = Path(work) / (path.stem + ".utf8.csv")
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    with open(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(16 << 20):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return target


def csv_source(layout: CsvLayout, paths: list[Path] | None = None) -> str:
    """The file (or files of this layout, with their `filename`) as a DuckDB table expression: every column
    text, named c0, c1, …; short rows padded."""
    names = ", ".join(_sql_text(f"c{j}") for j in range(layout.width))
    files = ("[" + ", ".join(_sql_text(str(p)) for p in paths) + "], filename = true") if paths else _sql_text(str(layout.path))
    return (f"read_csv({files}, header = false, skip = {layout.header_line + 1}, "
            f"delim = {_sql_text(layout.delimiter)}, quote = '\"', all_varchar = true, null_padding = true, "
            f"strict_mode = false, names = [{names}])")


# ---------------------------------------------------------------- the two kinds of province file

POPULATION_REQUIRED = [("name",), ("sfz", "birth"), ("county",)]
ROSTER_REQUIRED = [("name",), ("sfz", "xjh"), ("grade",)]
SEP = "\x1f"


def load_population_file(con, layout: CsvLayout, table: str) -> None:
    """One population CSV → `table`, in file order (its rowid is the record number): the fields as
    census.read_population gives them (valid 身份证号, its text, birth date — the column's, else the
    ID's —, sex the same way, normalised names)."""
    c = layout.column
    con.execute(f"""CREATE OR REPLACE TABLE {table} AS
        SELECT kc_name(name_raw) AS name, sfz, coalesce(sfz, nullif(idc, '')) AS id_text,
               CASE WHEN sfz IS NULL THEN kc_date(birth_raw)
                    ELSE coalesce(kc_date(birth_raw), kc_birth8(substr(sfz, 7, 8))) END AS birth,
               CASE WHEN sfz IS NULL THEN kc_text(sex_raw) WHEN starts_with(trim(sex_raw), '男') THEN '男'
                    WHEN starts_with(trim(sex_raw), '女') THEN '女' ELSE coalesce(kc_text(sex_raw), kc_id_sex(sfz)) END AS sex,
               kc_text(county) AS county, kc_text(township) AS township, kc_text(hukou) AS hukou,
               kc_name(guardian) AS guardian, kc_text(phone) AS phone, kc_text(status) AS status
        FROM (SELECT *, kc_valid_id(idc) AS sfz FROM (
              SELECT kc_clean_id({c('sfz')}) AS idc, {c('name')} AS name_raw, {c('birth')} AS birth_raw,
                     {c('sex')} AS sex_raw, {c('county')} AS county, {c('township')} AS township,
                     {c('hukou')} AS hukou, {c('guardian')} AS guardian, {c('phone')} AS phone, {c('status')} AS status
              FROM {csv_source(layout)}))""")


def finish_population(con, tables: list[str], files: list[str], first_rows: list[int]) -> None:
    """The loaded files → `pop` (usable children, pid in file order) and `pop_errors` (file, row, column,
    value, reason): a row without 姓名; a row with neither a valid 身份证号 nor a 出生日期; a 身份证号
    repeated (the first kept) — as census.read_population."""
    parts = " UNION ALL ".join(
        f"SELECT {i} * 10000000000 + rowid AS pid, {_sql_text(files[i])} AS file, rowid + {first_rows[i]} AS row, * "
        f"FROM {t} WHERE coalesce(nullif(name, ''), id_text, CAST(birth AS VARCHAR), sex, county, township, hukou, "
        "nullif(guardian, ''), phone, status) IS NOT NULL"       # a blank line is no row (as in a sheet)
        for i, t in enumerate(tables))
    con.execute(f"CREATE OR REPLACE VIEW pop_all AS {parts}")
    con.execute("""CREATE OR REPLACE TABLE pop_ok AS
        SELECT *, CASE WHEN sfz IS NULL THEN 1 ELSE row_number() OVER (PARTITION BY sfz ORDER BY pid) END AS nth
        FROM pop_all WHERE nullif(name, '') IS NOT NULL AND (sfz IS NOT NULL OR birth IS NOT NULL)""")
    con.execute("CREATE OR REPLACE TABLE pop AS SELECT * EXCLUDE (nth) FROM pop_ok WHERE nth = 1 ORDER BY pid")
    con.execute("""CREATE OR REPLACE TABLE pop_errors AS
        SELECT pid, county, file, row, '姓名' AS col, '' AS value, '姓名为空，此行无法使用' AS reason
            FROM pop_all WHERE nullif(name, '') IS NULL
        UNION ALL SELECT pid, county, file, row, '身份证号/出生日期', coalesce(id_text, ''),
            '没有有效的身份证号，也没有出生日期：无法比对，也无法判断是否适龄'
            FROM pop_all WHERE nullif(name, '') IS NOT NULL AND sfz IS NULL AND birth IS NULL
        UNION ALL SELECT pid, county, file, row, '身份证号', sfz, '身份证号在名册中重复（' || name || '），此行未重复计入'
            FROM pop_ok WHERE nth > 1""")
    con.execute("DROP TABLE pop_ok")


def create_student_rows(con) -> None:
    con.execute("CREATE OR REPLACE TABLE student_rows (key VARCHAR, rid VARCHAR, name VARCHAR, birth DATE, "
                "src BIGINT, rec BIGINT)")


def layout_signature(layout: CsvLayout) -> tuple:
    """Files with the same signature are read by one read_csv call."""
    return layout.delimiter, layout.header_line, layout.width, tuple(sorted(layout.fields.items()))


def load_roster_files(con, layouts: list[CsvLayout], srcs: list[int]) -> int:
    """Roster CSVs of one layout (layout_signature) → student_rows, each row with its file's source number:
    the student key of identity.student_key (valid 身份证号, else the one a G/J 学籍号 carries, else
    XJH:学籍号, else the name within its 年级 and 班级 as written), rid the 身份证号, birth the column's else
    the ID's. Rows without 姓名 or 年级 are no roster rows (census: a sheet without 年级 is not a roster).
    → rows added."""
    c = layouts[0].column
    before = con.execute("SELECT count(*) FROM student_rows").fetchone()[0]
    con.execute("CREATE OR REPLACE TABLE roster_srcs (filename VARCHAR, src BIGINT)")
    con.executemany("INSERT INTO roster_srcs VALUES (?, ?)", [(str(l.path), s) for l, s in zip(layouts, srcs)])
    con.execute(f"""CREATE OR REPLACE TABLE roster_file AS
        SELECT kc_valid_id(kc_clean_id({c('sfz')})) AS sfz, nullif(kc_clean_id({c('xjh')}), '') AS xjh,
               kc_name({c('name')}) AS name, kc_text({c('grade')}) AS grade, kc_text({c('class')}) AS class,
               {c('birth')} AS birth_raw, filename
        FROM {csv_source(layouts[0], [l.path for l in layouts])}""")
    con.execute("""INSERT INTO student_rows
        SELECT coalesce(rid, 'XJH:' || xjh, 'NAME:' || grade || ':' || coalesce(class, '') || ':' || name) AS key,
               rid, name, CASE WHEN sfz IS NULL THEN kc_date(birth_raw)
                               ELSE coalesce(kc_date(birth_raw), kc_birth8(substr(sfz, 7, 8))) END, src, rec
        FROM (SELECT *, rowid AS rec, coalesce(sfz, kc_xjh_id(xjh)) AS rid FROM roster_file) JOIN roster_srcs USING (filename)
        WHERE nullif(name, '') IS NOT NULL AND grade IS NOT NULL""")
    con.execute("DROP TABLE roster_file")
    return con.execute("SELECT count(*) FROM student_rows").fetchone()[0] - before


def finish_students(con) -> None:
    """student_rows → students: one row per key, the newest (last source, last row) wins (§5.2a)."""
    con.execute("""CREATE OR REPLACE TABLE students AS
        SELECT key, arg_max_null(rid, src * 10000000000 + rec) AS rid, arg_max_null(name, src * 10000000000 + rec) AS name,
               arg_max_null(birth, src * 10000000000 + rec) AS birth FROM student_rows GROUP BY key""")
