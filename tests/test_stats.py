"""``medarchive stats``: the archive's summary and its charts, on a replica crawl."""

import json
import os
import re
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import medarchive, statements_run, undo_sortable_dates, written_archive

from archive import open_archive, open_readonly, stats

SVG = "{http://www.w3.org/2000/svg}"


def _has_chinese_font() -> bool:
    try:
        stats.chinese_font()
        return True
    except stats.PlotError:
        return False


needs_chinese_font = pytest.mark.skipif(not _has_chinese_font(),
                                        reason="a PNG needs a font with Chinese and Latin letters (fonts-wqy-microhei, installed by .ci/run)")


def test_stats_prints_what_the_archive_holds(wordpress_crawl):
    result = medarchive("stats", "--db", str(wordpress_crawl.db_path))
    assert result.returncode == 0, result.stderr
    (total, dated, citing), = wordpress_crawl.rows(
        "select count(*), count(published_day), (select count(distinct article_url) from article_dois) from articles")
    (gaps,), = wordpress_crawl.rows("select count(*) from gaps")
    (run_id,), = wordpress_crawl.rows("select max(id) from runs")
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{total} articles: {dated} dated, {total - dated} undated, {citing} citing a DOI; {gaps} open gap")
    assert lines[1].startswith(f"Last run: #{run_id} finished")
    site = wordpress_crawl.site.url
    years = wordpress_crawl.rows("select substr(published_day, 1, 4), count(*) from articles where published_day is not null group by 1 order by 1")
    assert lines[3].split() == ["site", "articles", *[year for year, _ in years], "undated"]
    assert lines[4].split() == [site, str(total), *[str(n) for _, n in years], str(total - dated)]


def test_stats_json_has_the_same_numbers(wordpress_crawl):
    result = medarchive("stats", "--db", str(wordpress_crawl.db_path), "--json")
    summary = json.loads(result.stdout)
    (total,), = wordpress_crawl.rows("select count(*) from articles")
    assert summary["articles"] == total == sum(site["articles"] for site in summary["sites"])
    assert summary["dated"] + summary["undated"] == total
    assert summary["last_run"]["status"] == "finished"


def test_stats_plot_draws_every_chart_as_svg(wordpress_crawl, tmp_path):
    path = tmp_path / "charts.svg"
    result = medarchive("stats", "--db", str(wordpress_crawl.db_path), "--plot", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"Charts written to {path}"
    svg = ET.parse(path).getroot()  # well-formed
    titles = [t.text for t in svg.iter(f"{SVG}title")]
    assert [t for t in titles if t in stats.CHART_TITLES.values()] == list(stats.CHART_TITLES.values())
    # One bar per month and site, one per publisher cited.
    month_sites = wordpress_crawl.rows("select distinct substr(published_day, 1, 7), site from articles where published_day is not null")
    bars = [t for t in titles if t and re.fullmatch(r"\d{4}-\d\d http\S+: \d+", t)]  # "2026-03 http://…: 4"
    assert len(bars) == len(month_sites)
    publishers = wordpress_crawl.rows("select count(distinct prefix) from article_dois")[0][0]
    assert len([r for r in svg.iter(f"{SVG}rect") if r.get("height") == "16"]) == min(publishers, stats.TOP_PUBLISHERS)


@needs_chinese_font
def test_stats_plot_writes_png_by_its_extension(wordpress_crawl, tmp_path):
    pytest.importorskip("cairosvg")
    path = tmp_path / "charts.png"
    assert medarchive("stats", "--db", str(wordpress_crawl.db_path), "--plot", str(path)).returncode == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def control_category(tmp_path):
    """An archive whose one category carries a control character XML forbids, and markup."""
    return written_archive(tmp_path, [{
        "url": "https://site.example/a/1.html", "site": "https://site.example", "title": "标题", "body": "正文",
        "body_html": "<p>正文</p>", "category": "干细胞\x07<b>&治疗", "published": "2025-03-01", "published_raw": "2025年3月1日",
        "references": [], "dois": [], "pmids": [], "pmcids": []}])


def test_stats_plot_of_a_category_with_a_control_character_is_valid_svg(control_category, tmp_path):
    path = tmp_path / "charts.svg"
    assert medarchive("stats", "--db", str(control_category), "--plot", str(path)).returncode == 0
    texts = [element.text for element in ET.parse(path).iter(f"{SVG}text")]
    assert "干细胞<b>&治疗" in texts


@needs_chinese_font
def test_stats_plot_of_a_category_with_a_control_character_draws_a_png(control_category, tmp_path):
    pytest.importorskip("cairosvg")
    path = tmp_path / "charts.png"
    result = medarchive("stats", "--db", str(control_category), "--plot", str(path))
    assert result.returncode == 0, result.stderr
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def one_category(directory: Path, category: str) -> Path:
    """An archive of 7 articles over three months, all of ``category``."""
    directory.mkdir()
    return written_archive(directory, [{
        "url": f"https://site.example/a/{i}.html", "site": "https://site.example", "title": "标题", "body": "正文",
        "body_html": "<p>正文</p>", "category": category, "published": f"2025-0{1 + i % 3}-01", "published_raw": "x",
        "references": [], "dois": [], "pmids": [], "pmcids": []} for i in range(7)])


def plot_png(db_path: Path, png: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "medarchive", "stats", "--db", str(db_path), "--plot", str(png)],
                          capture_output=True, text=True, env={**os.environ, **env}, timeout=120)


@needs_chinese_font
@pytest.mark.parametrize("first, second", [("肺", "肝"), ("lung", "lunx")])
def test_stats_plot_png_draws_chinese_and_latin_labels(tmp_path, first, second):
    # A label drawn as empty boxes is the same picture whatever it says: two charts that
    # differ only in a label's character differ only if the font has that character.
    pngs = []
    for name in (first, second):
        png = tmp_path / f"{len(pngs)}.png"
        result = plot_png(one_category(tmp_path / str(len(pngs)), name), png)
        assert result.returncode == 0, result.stderr
        pngs.append(png.read_bytes())
    assert pngs[0] != pngs[1]


def private_fonts(tmp_path: Path, *font_files: str) -> dict:
    """The environment of a machine whose only fonts are ``font_files``."""
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    for font in font_files:
        (fonts / Path(font).name).symlink_to(font)
    config = tmp_path / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?>\n<fontconfig><dir>{fonts}</dir><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>\n')
    return {"FONTCONFIG_FILE": str(config)}


#: A font with Chinese but no Latin letters, the only Chinese font of some machines, and a
#: Latin font without Chinese.
DROID_FALLBACK = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
DEJAVU_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.mark.parametrize("fonts", [
    pytest.param([], id="no-font"),
    pytest.param([DEJAVU_SANS, DROID_FALLBACK], id="chinese-without-latin",
                 marks=pytest.mark.skipif(not (Path(DROID_FALLBACK).exists() and Path(DEJAVU_SANS).exists()),
                                          reason="needs fonts-droid-fallback and fonts-dejavu-core (installed by .ci/run)")),
])
def test_stats_plot_png_without_a_font_for_its_labels_says_what_to_install(tmp_path, fonts):
    pytest.importorskip("cairosvg")
    png = tmp_path / "charts.png"
    result = plot_png(one_category(tmp_path / "db", "肺"), png, **private_fonts(tmp_path, *fonts))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "no installed font draws both Chinese and Latin letters" in result.stderr and "apt-get install fonts-noto-cjk" in result.stderr
    assert not png.exists()


@pytest.mark.parametrize("highest, marked", [(1, [0, 1]), (5, [0, 1, 2, 3, 4, 5]), (7, [0, 2, 4, 6]), (37, [0, 10, 20, 30]), (250, [0, 50, 100, 150, 200, 250])])
def test_a_y_axis_marks_round_steps(highest, marked):
    assert stats.ticks(highest) == marked


def test_a_chart_marks_its_y_axis_between_0_and_the_highest_count(tmp_path):
    with sqlite3.connect(one_category(tmp_path / "db", "肺")) as db:
        svg = ET.fromstring(stats.chart_svg(db, "articles_per_month"))
    marked = [t.text for t in svg.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert marked == ["0", "1", "2", "3"]


@pytest.mark.parametrize("name, message", [
    ("charts.gif", "the name must end in .svg or .png"),
    ("missing-directory/charts.svg", "does not exist; create it or choose another --plot"),
])
def test_stats_plot_to_a_path_it_cannot_write_is_one_line(wordpress_crawl, tmp_path, name, message):
    result = medarchive("stats", "--db", str(wordpress_crawl.db_path), "--plot", str(tmp_path / name))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_an_empty_archive_says_so(tmp_path):
    db = open_archive(tmp_path / "archive.db")
    try:
        assert stats.report(db).splitlines() == [
            "0 articles: 0 dated, 0 undated, 0 citing a DOI; 0 open gaps in the prev/next chains",
            "No crawl run recorded yet.",
        ]
        assert "No dated article yet." in stats.chart_svg(db, "articles_per_month")
        assert "No article cites a DOI yet." in stats.chart_svg(db, "cited_journals")
    finally:
        db.close()


def test_an_archive_read_as_it_is_from_before_the_date_columns_is_summarised_alike(wordpress_crawl, tmp_path):
    import shutil

    old = tmp_path / "archive.db"
    shutil.copy(wordpress_crawl.db_path, old)
    undo_sortable_dates(old)
    with sqlite3.connect(wordpress_crawl.db_path) as current:
        expected = stats.report(current), stats.all_charts_svg(current)
    db = open_readonly(old)  # as serve and read-only files read it: not migrated
    try:
        assert (stats.report(db), stats.all_charts_svg(db)) == expected
    finally:
        db.close()


def test_a_prefix_is_shown_by_its_publisher_when_known():
    assert stats.publisher("10.1177") == "SAGE"
    assert stats.publisher("10.99999") == "10.99999"


def test_chart_links_carry_hostile_values_as_well_formed_attributes(tmp_path):
    hostile = 'x"><script>alert(1)</script>&'
    path = written_archive(tmp_path, [{
        "url": "https://site.example/a/1.html", "site": "https://site.example", "title": "标题", "body": "正文",
        "category": hostile, "published": "2026-01-05", "published_raw": "2026-01-05", "references": [], "dois": ["10.1177/x"], "neighbours": [], "aliases": [],
    }])
    seen = []

    def link(table, filters):
        seen.append((table, filters))
        return f"/archive/{table}?" + "&".join(f"{k}={v}" for k, v in filters.items())  # unescaped on purpose

    with sqlite3.connect(path) as conn:
        charts = {name: ET.fromstring(stats.chart_svg(conn, name, link=link)) for name in ("articles_per_month", "categories_over_time", "cited_journals")}
    hrefs = [a.get("href") for svg in charts.values() for a in svg.iter(f"{SVG}a")]
    assert len(hrefs) == 3 and f"/archive/articles?category_group={hostile}&published_day__startswith=2026-01" in hrefs
    assert not any(list(svg.iter(f"{SVG}script")) for svg in charts.values())
    assert ("article_dois", {"prefix": "10.1177"}) in seen


@pytest.mark.parametrize("name", ["articles_per_month", "categories_over_time"])
def test_the_month_charts_read_an_index_not_the_article_rows(before_m025, name):
    with sqlite3.connect(before_m025) as conn:
        statements = statements_run(conn, lambda c: stats.chart_svg(c, name))
        plans = [detail for sql in statements if sql.lstrip().lower().startswith("select")
                 for *_, detail in conn.execute("explain query plan " + sql)]
    assert any("INDEX" in detail for detail in plans), plans
    assert "SCAN articles" not in plans, plans


def test_the_month_chart_shows_each_sites_articles_per_month(wordpress_crawl):
    with sqlite3.connect(wordpress_crawl.db_path) as conn:
        svg = ET.fromstring(stats.chart_svg(conn, "articles_per_month"))
        expected = {f"{month} {site}: {count}" for month, site, count in conn.execute(
            "select substr(published_day, 1, 7), site, count(*) from articles where published_day is not null group by 1, 2")}
    assert {rect.find(f"{SVG}title").text for rect in svg.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None} == expected


def test_the_publishers_chart_reads_an_index_not_the_doi_rows(before_m025):
    with sqlite3.connect(before_m025) as conn:
        statements = statements_run(conn, lambda c: stats.chart_svg(c, "cited_journals"))
        plans = [detail for sql in statements if "article_dois" in sql
                 for *_, detail in conn.execute("explain query plan " + sql, [stats.TOP_PUBLISHERS] if "?" in sql else [])]
    assert plans and all("COVERING INDEX" in detail for detail in plans if "article_dois" in detail), plans


# --- source outlets ------------------------------------------------------------------------


def reprint(n: int, source: str, published: str | None, site: str = "https://a.example") -> dict:
    return {"url": f"{site}/a/{n}.html", "site": site, "title": f"t{n}", "body": "b", "body_html": "<p>b</p>", "source": source,
            "published": published, "published_raw": published}


@pytest.fixture
def reprints(tmp_path):
    """Articles naming their source outlets: 新华网 on two sites over two months, one undated; a hostile name."""
    return written_archive(tmp_path, [
        reprint(1, "新华网", "2026-01-05"), reprint(2, "新华网", "2026-02-01"), reprint(3, "新华网", None),
        reprint(4, "新华网", "2026-02-03", site="https://b.example"), reprint(5, "健康时报", "2026-02-04"),
        reprint(6, "\x1b]0;pwned\x07人民网", "2026-02-05"), reprint(7, None, "2026-02-06"),
    ])


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory):
    """The archive ``medarchive demo`` makes, as the README shows it."""
    path = tmp_path_factory.mktemp("demo") / "archive.db"
    result = medarchive("demo", "--db", str(path), "--port", "0")
    assert result.returncode == 0, result.stderr
    return path


def test_stats_of_the_demo_archive_shows_the_outlets_its_two_sites_reprint(demo_archive):
    lines = medarchive("stats", "--db", str(demo_archive)).stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("source outlet"))
    with sqlite3.connect(demo_archive) as conn:
        top = conn.execute("select source, count(*), count(distinct site) from articles where source is not null"
                           " group by source order by 3 desc, 2 desc, source limit 1").fetchone()
    conn.close()
    assert top[2] == 2
    assert lines[start + 1].split()[:3] == [top[0], str(top[1]), "2"]


def test_stats_json_counts_articles_per_outlet_per_month(reprints):
    outlets = json.loads(medarchive("stats", "--db", str(reprints), "--json").stdout)["outlets"]
    assert outlets[0] == {"source": "新华网", "articles": 4, "sites": 2, "months": {"2026-01": 1, "2026-02": 2, "undated": 1}}
    assert [outlet["source"] for outlet in outlets[1:]] == ["\x1b]0;pwned\x07人民网", "健康时报"]


def test_stats_text_shows_each_outlet_per_month_without_its_control_characters(reprints):
    lines = medarchive("stats", "--db", str(reprints)).stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("source outlet"))
    assert lines[start].split() == ["source", "outlet", "articles", "sites", "2026-01", "2026-02"]
    assert lines[start + 1].split() == ["新华网", "4", "2", "1", "2"]
    assert lines[start + 2].split() == ["]0;pwned人民网", "1", "1", "0", "1"]
    assert "\x1b" not in "\n".join(lines)


def test_the_outlets_are_counted_from_an_index_not_the_article_rows(reprints):
    with sqlite3.connect(reprints) as conn:
        top = next(sql for sql in statements_run(conn, stats.outlets_per_month) if "count(distinct site)" in sql)
        plans = [detail for *_, detail in conn.execute("explain query plan " + top)]
    assert any("COVERING INDEX idx_articles_source_site" in detail for detail in plans), plans
