"""A province for `bench_matching.py --province` (SPEC §23): 10,000,000 population rows (one CSV) and
8,000,000 roster rows (one CSV per county), seeded, vectorised (numpy + polars; about a minute).

As of 2026-11-20 (学年 2026—2027: births 2011-09-01 … 2020-08-31 are of school age):
  * 7,600,000 school-age children on a roster (3 % of them in another county's roster);
  * 60,000 school-age children on no roster            → the 适龄未入学 expected (less 重名 chance hits);
  * the rest of the population list not of school age (ages 3–5 and 15–17);
  * 400,000 roster students on no population list (在籍不在册: migrants).
10 % of the population rows have no 身份证号 (matched by 姓名 + 出生日期); 5 % of the roster rows give only
the 学籍号 G + 身份证号; some IDs end in a lower-case x; 10 % of the dates are written 2014/5/3.
100 counties of 10 townships; the ID's region code is the county's.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

WEIGHTS = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)
CHECK = np.array(list("10X98765432"))
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
                "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉婷雪琳晶飞浩宇轩然欣怡梓涵子豪俊博文"
             "思雨佳琪一诺嘉怡乐天晨阳泽宁心悦若曦皓月安康永福德顺海波建国志远家乐美玲春兰秋菊冬梅夏荷金凤银花")
FIRST = dt.date(2009, 9, 1)
DAYS = 5113                          # 2009-09-01 … 2023-08-31
SCHOOL_AGE = (730, 730 + 3288)       # day offsets of 2011-09-01 … 2020-08-31
COUNTIES, TOWNSHIPS = 100, 10


def ids(county: np.ndarray, day: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """18-character 身份证号 (GB 11643 check character) of region 4501cc, birth FIRST + day, 顺序码 seq."""
    birth = np.datetime64(FIRST) + day.astype("timedelta64[D]")
    b = pl.Series(birth).dt.strftime("%Y%m%d").cast(pl.Int64).to_numpy()
    body = (450100 + county).astype(np.int64) * 10 ** 11 + b * 1000 + seq
    digits = (body[:, None] // (10 ** np.arange(16, -1, -1, dtype=np.int64))) % 10
    check = CHECK[(digits * WEIGHTS).sum(axis=1) % 11]
    return (pl.Series(body).cast(pl.Utf8) + pl.Series(check)).to_numpy()


def people(rng: np.random.Generator, n: int) -> pl.DataFrame:
    """n distinct children: county, township, birth offset, 身份证号, name, sex."""
    draw = int(n * 1.05)
    county = rng.integers(0, COUNTIES, draw)
    school = rng.random(draw) < 0.76
    inside = rng.integers(*SCHOOL_AGE, draw)
    outside = rng.integers(0, DAYS - (SCHOOL_AGE[1] - SCHOOL_AGE[0]), draw)
    outside = np.where(outside >= SCHOOL_AGE[0], outside + SCHOOL_AGE[1] - SCHOOL_AGE[0], outside)
    day = np.where(school, inside, outside)
    seq = rng.integers(0, 1000, draw)
    code = (county * DAYS + day) * 1000 + seq
    _, first = np.unique(code, return_index=True)
    keep = rng.permutation(first)[:n]
    county, day, seq = county[keep], day[keep], seq[keep]
    given2 = rng.random(n) < 0.6
    name = (pl.Series(np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)])
            + pl.Series(np.array(GIVEN)[rng.integers(0, len(GIVEN), n)])
            + pl.Series(np.where(given2, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], "")))
    return pl.DataFrame({"county": county, "township": rng.integers(0, TOWNSHIPS, n), "day": day,
                         "id": ids(county, day, seq), "name": name,
                         "sex": np.where(seq % 2 == 1, "男", "女")})


def birth_text(df: pl.DataFrame, rng: np.random.Generator) -> pl.Series:
    birth = pl.Series(np.datetime64(FIRST) + df["day"].to_numpy().astype("timedelta64[D]")).cast(pl.Date)
    slash = pl.Series(rng.random(len(df)) < 0.1)
    return pl.select(pl.when(slash).then(birth.dt.strftime("%Y/%-m/%-d")).otherwise(birth.dt.strftime("%Y-%m-%d"))
                     ).to_series()


def lower_x(ids_: pl.Series, rng: np.random.Generator, share: float) -> pl.Series:
    low = pl.Series(rng.random(len(ids_)) < share)
    return pl.select(pl.when(low).then(ids_.str.to_lowercase()).otherwise(ids_)).to_series()


def generate(out: Path, children: int = 10_000_000, roster_rows: int = 8_000_000, unenrolled: int = 60_000,
             seed: int = 18) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    enrolled = int(roster_rows * 0.95)
    migrants = roster_rows - enrolled
    everyone = people(rng, int((children + migrants) * 1.06))   # some spare of either kind
    is_school = pl.Series((everyone["day"] >= SCHOOL_AGE[0]) & (everyone["day"] < SCHOOL_AGE[1]))
    school, other = everyone.filter(is_school), everyone.filter(~is_school)
    on_roster = school[:enrolled + migrants]
    pop = pl.concat([school[:enrolled], school[enrolled + migrants:enrolled + migrants + unenrolled],
                     other[:children - enrolled - unenrolled]])
    pop = pop[rng.permutation(len(pop))]
    no_id = pl.Series(rng.random(len(pop)) < 0.1)
    pl.DataFrame({
        "县区": "示例县" + pop["county"].cast(pl.Utf8).str.zfill(3),
        "乡镇": "乡镇" + pop["township"].cast(pl.Utf8).str.zfill(2),
        "姓名": pop["name"],
        "身份证号": pl.select(pl.when(no_id).then(pl.lit("")).otherwise(lower_x(pop["id"], rng, 0.3))).to_series(),
        "出生日期": birth_text(pop, rng),
        "性别": pop["sex"],
        "户籍所在地": "村" + (pop["township"] * 100 + pop["county"] % 37).cast(pl.Utf8).str.zfill(4),
        "监护人": pop["name"].str.slice(0, 1) + "家长",
        "联系电话": "139" + pop["county"].cast(pl.Utf8).str.zfill(8),
    }).write_csv(out / "适龄儿童名册.csv")
    moved = rng.random(len(on_roster)) < 0.03
    roster_county = np.where(moved, rng.integers(0, COUNTIES, len(on_roster)), on_roster["county"].to_numpy())
    only_xjh = pl.Series(rng.random(len(on_roster)) < 0.05)
    years = (np.datetime64(FIRST) + on_roster["day"].to_numpy().astype("timedelta64[D]")).astype("datetime64[Y]")
    grade = (2026 - 1970 - years.astype(int) - 5).clip(1, 9)
    roster = pl.DataFrame({
        "county": roster_county,
        "学籍号": "G" + on_roster["id"],
        "身份证号": pl.select(pl.when(only_xjh).then(pl.lit("")).otherwise(lower_x(on_roster["id"], rng, 0.3))).to_series(),
        "姓名": on_roster["name"],
        "性别": on_roster["sex"],
        "出生日期": birth_text(on_roster, rng),
        "学校": "学校" + pl.Series(rng.integers(0, 150, len(on_roster))).cast(pl.Utf8).str.zfill(3),
        "年级": pl.Series(grade).cast(pl.Utf8) + "年级",
        "班级": pl.Series(rng.integers(1, 6, len(on_roster))).cast(pl.Utf8) + "班",
    })
    folder = out / "rosters"
    folder.mkdir(exist_ok=True)
    for (c,), part in roster.group_by(["county"]):
        part.drop("county").write_csv(folder / f"示例县{int(c):03d}_花名册.csv")
    return {"children": len(pop), "roster_rows": len(roster), "school_age_unenrolled": unenrolled,
            "population_file": out / "适龄儿童名册.csv", "rosters": folder}
