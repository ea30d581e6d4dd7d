"""Malformed statistics files are refused whole, naming the line and field (pure)."""

from __future__ import annotations

import pytest

from rarex.statistics.parsing import ImportRefused, parse_file

HEADER = "period,series,partner,basis,value,unit,source\n"
GOOD = "2025-05,rare_earth_exports_t,WLD,month,5864.6,t,S1\n"


def refused(content: bytes | str) -> ImportRefused:
    data = content.encode("utf-8") if isinstance(content, str) else content
    with pytest.raises(ImportRefused) as caught:
        parse_file("trade.csv", data)
    return caught.value


@pytest.mark.parametrize(
    ("content", "code", "needle"),
    [
        ("period,series,partner,value,unit,source\n" + GOOD, "stats.bad_header", "basis"),
        (HEADER.replace("value", "amount") + GOOD, "stats.bad_header", "amount"),
        ("period,period,partner,basis,value,unit,source\n" + GOOD, "stats.bad_header", "repeated"),
        (HEADER + GOOD.replace("5864.6", "5,864.6"), "stats.bad_row", "line 2"),
        (HEADER + GOOD.replace("5864.6", '"5,864.6"'), "stats.bad_value", "line 2, field 'value'"),
        (HEADER + GOOD.replace("5864.6", "n/a"), "stats.bad_value", "'n/a'"),
        (HEADER + GOOD.replace("5864.6", "-3"), "stats.bad_value", "non-negative"),
        (HEADER + GOOD.replace("5864.6", "1e3"), "stats.bad_value", "'1e3'"),
        (HEADER + GOOD.replace("5864.6", "1.1234567"), "stats.bad_value", "more than 6"),
        (HEADER + GOOD.replace("2025-05", "2025-13"), "stats.bad_period", "01 to 12"),
        (HEADER + GOOD.replace("2025-05", "May 2025"), "stats.bad_period", "YYYY-MM"),
        (HEADER + GOOD.replace("month", "quarter"), "stats.unknown_basis", "'quarter'"),
        (HEADER + GOOD.replace(",t,", ",tonnes,"), "stats.unknown_unit", "'tonnes'"),
        (HEADER + GOOD.replace("WLD", "Germany"), "stats.bad_partner", "'Germany'"),
        (HEADER + GOOD.replace("rare_earth_exports_t", "Rare Earths"), "stats.bad_series", ""),
        (
            HEADER + GOOD.replace("rare_earth_exports_t", "rare_earth_export_t"),
            "stats.unknown_series",
            "line 2, field 'series': 'rare_earth_export_t' is not a declared series",
        ),
        (
            HEADER + GOOD.replace(",t,", ",kg,"),
            "stats.unit_mismatch",
            "line 2, field 'unit': rare_earth_exports_t is declared in 't' (tonnes)",
        ),
        (HEADER + GOOD.replace("S1", ""), "stats.bad_source", "field 'source'"),
        (HEADER + GOOD + GOOD, "stats.duplicate_row", "repeats line 2"),
        (
            HEADER + GOOD + GOOD.replace("2025-05,", "2025-06,").replace(",t,", ",kg,"),
            "stats.unit_mismatch",
            "line 3",
        ),
        ("", "stats.empty_file", "empty"),
        (HEADER, "stats.empty_file", "no data rows"),
        (HEADER + '2025-05,"rare,WLD,month,1,t,S1\n', "stats.bad_csv", "not valid CSV"),
    ],
)
def test_malformed_files_are_refused_with_line_and_field(
    content: str, code: str, needle: str
) -> None:
    error = refused(content)
    assert error.code == code
    assert needle in error.message
    assert error.message.startswith("trade.csv")
    assert error.details["problems"]


def test_bad_encoding_is_refused_with_its_line() -> None:
    error = refused(
        (HEADER + GOOD).encode("utf-8")
        + "2025-06,x,WLD,month,1,t,S9\n".encode("gbk")
        + "2025-07,稀土,WLD,month,1,t,S9\n".encode("gbk")
    )
    assert error.code == "stats.bad_encoding"
    assert "line 4" in error.message
    assert "not UTF-8" in error.message


def test_every_problem_is_listed_not_just_the_first() -> None:
    content = (
        HEADER
        + GOOD.replace("month", "week")
        + GOOD.replace("5864.6", "x").replace("2025-05", "2025-06")
    )
    error = refused(content)
    assert "(and 1 more problem(s))" in error.message
    problems = error.details["problems"]
    assert [(p["line"], p["field"], p["code"]) for p in problems] == [
        (2, "basis", "stats.unknown_basis"),
        (3, "value", "stats.bad_value"),
    ]


def test_a_good_file_parses_with_a_bom_and_a_trailing_blank_line() -> None:
    parsed = parse_file("trade.csv", ("\ufeff" + HEADER + GOOD + "\n").encode("utf-8"))
    assert parsed.kind == "observations"
    (row,) = parsed.observations
    assert (row.series, row.partner, str(row.key), str(row.value)) == (
        "rare_earth_exports_t",
        "WLD",
        "M(2025-05)",
        "5864.6",
    )


def test_release_dates_let_one_file_carry_two_vintages() -> None:
    header = HEADER.replace("source\n", "source,release\n")
    content = (
        header
        + "2025-04,rare_earth_exports_t,WLD,month,4785,t,S8,2025-05-09\n"
        + "2025-04,rare_earth_exports_t,WLD,month,4784.8,t,S9,2025-05-20\n"
    )
    parsed = parse_file("trade.csv", content.encode())
    assert [str(r.value) for r in parsed.observations] == ["4785", "4784.8"]
    bad = header + "2025-04,rare_earth_exports_t,WLD,month,4785,t,S8,9 May\n"
    assert refused(bad).code == "stats.bad_release"


def test_sources_with_an_unquoted_comma_in_the_url_are_rejoined_and_noted() -> None:
    content = (
        "id,title,url\n"
        "I1,SMM: imports,https://news.metal.com/x/Before-Rainy-Season,-Surge-in-May\n"
        "S1,Global Times,https://www.globaltimes.cn/page/202506/1335771.shtml\n"
    )
    parsed = parse_file("sources.csv", content.encode())
    assert parsed.kind == "sources"
    assert parsed.sources[0].url == "https://news.metal.com/x/Before-Rainy-Season,-Surge-in-May"
    assert [n.line for n in parsed.notes] == [2]
    assert refused("id,title,url\nS1,Title,not a url\n").code == "stats.bad_source"
    assert refused("id,title,url\nS1,A,https://a\nS1,B,https://b\n").code == "stats.duplicate_row"


def test_reported_percentages_parse_and_unknown_measures_are_refused() -> None:
    header = "period,series,partner,measure,value,source\n"
    row = "2025-05,rare_earth_exports_t,WLD,mom_pct,+23,S1\n"
    parsed = parse_file("reported.csv", (header + row).encode())
    assert parsed.kind == "reported"
    assert str(parsed.reported[0].value) == "23"
    error = refused(header + row.replace("mom_pct", "qoq_pct"))
    assert error.code == "stats.unknown_measure"
    error = refused(header + row.replace("rare_earth_exports_t", "x_t"))
    assert error.code == "stats.unknown_series"
