"""Noticing a portal's change: coverage per run, baselines, drift alerts, nothing lost on re-fetch."""

import json
import math
import re
import sqlite3
from datetime import date

import pytest

from archive import drift, open_archive, runs, writer
from conftest import FAST, medarchive
from replica import build_portal, serve

SITE = "https://site.example"


# --- judging small runs ----------------------------------------------------------------


@pytest.mark.parametrize(
    "present, articles, drifted",
    [
        (4, 5, False),  # one article of five without a date: chance, not a template change
        (2, 5, False),
        (0, 5, True),  # none of five: a site that still dated 72% of its pages would almost never do that
        (0, 3, False),  # three articles cannot tell: (1 - 0.72)^3 = 2.2% is no proof at alpha 1%
        (20, 40, True),
        (27, 40, False),
    ],
)
def test_a_share_is_drift_only_when_confidently_below_baseline_minus_max_drop(present, articles, drifted):
    floor = 0.97 - drift.DEFAULT_MAX_DROP["date"]
    assert drift.confidently_below(present, articles, floor, alpha=0.01) is drifted


def test_binomial_cdf_matches_the_closed_forms():
    assert drift.binomial_cdf(0, 5, 0.7) == pytest.approx(0.3**5)
    assert drift.binomial_cdf(5, 5, 0.7) == pytest.approx(1.0)
    assert drift.binomial_cdf(4, 5, 0.7) == pytest.approx(1 - 0.7**5)
    assert drift.binomial_cdf(2, 10, 0.3) == pytest.approx(sum(math.comb(10, i) * 0.3**i * 0.7 ** (10 - i) for i in range(3)))


def test_binomial_cdf_holds_for_a_full_crawl_of_a_large_portal():
    assert drift.binomial_cdf(0, 100_000, 0.75) == 0.0
    assert drift.binomial_cdf(75_000, 100_000, 0.75) == pytest.approx(0.5, abs=0.01)
    assert drift.binomial_cdf(74_000, 100_000, 0.75) < 1e-9


# --- thresholds file ---------------------------------------------------------------------


def test_thresholds_file_overrides_defaults_per_field_and_per_site(tmp_path):
    path = tmp_path / "drift.toml"
    path.write_text('min_articles = 8\n[max_drop]\ndate = 0.1\n[sites."https://www.hjtdsm.com/".max_drop]\ndisclaimer = 1.0\n')
    config = drift.load_config(path)
    assert config.min_articles == 8
    assert config.max_drop_for(SITE, "date") == 0.1
    assert config.max_drop_for(SITE, "disclaimer") == drift.DEFAULT_MAX_DROP["disclaimer"]
    assert config.max_drop_for("https://www.hjtdsm.com", "disclaimer") == 1.0


@pytest.mark.parametrize(
    "text, message",
    [
        ("min_artcles = 3\n", "unknown setting 'min_artcles'"),
        ("[max_drop]\ndates = 0.2\n", "names no measured field 'dates'"),
        ("[max_drop]\ndate = 2\n", "date = 2 is not a share between 0 and 1"),
        ("alpha = 1.5\n", "alpha = 1.5 is not a number above 0 and below 1"),
        ("alpha = \n", "cannot read drift thresholds"),
        ("sites = 5\n", 'sites must be tables \\[sites."https://HOST".max_drop\\]'),
        ('[sites."https://a.cn"]\nmax_dorp = 1\n', "holds 'max_dorp'; only max_drop is known"),
        ("baseline_runs = 99999999999999999999\n", "baseline_runs = 99999999999999999999 is not an integer from 1 to 10,000"),
        ("min_articles = 2.5\n", "min_articles = 2.5 is not an integer"),
        ("stale_factor = nan\n", "stale_factor = nan is not a number from 1.0 to 1,000.0"),
    ],
)
def test_a_bad_thresholds_file_is_refused_with_the_bad_entry_named(tmp_path, text, message):
    path = tmp_path / "drift.toml"
    path.write_text(text)
    with pytest.raises(drift.DriftConfigError, match=message):
        drift.load_config(path)


def test_crawl_refuses_a_bad_thresholds_file_before_fetching(tmp_path):
    path = tmp_path / "drift.toml"
    path.write_text("[max_drop]\ntitel = 0.1\n")
    result = medarchive("crawl", "http://127.0.0.1:9/a/1.html", "--db", str(tmp_path / "a.db"), "--drift-config", str(path))
    assert result.returncode == 2
    assert "names no measured field 'titel'" in result.stderr
    assert "Traceback" not in result.stderr


# --- the archive side: runs written by hand ---------------------------------------------


def article(number, **fields):
    base = {
        "url": f"{SITE}/a/{number}.html",
        "site": SITE,
        "title": f"标题{number}",
        "body": "干细胞治疗哮喘的研究进展。" * 20,
        "category": "干细胞治疗",
        "published": f"2026-01-{number % 28 + 1:02d}",
        "published_raw": f"发布时间:2026-01-{number % 28 + 1:02d}",
        "published_source": "line",
        "disclaimer": "免责声明：仅供参考。",
        "neighbours": [{"rel": "prev", "url": None}, {"rel": "next", "url": None}],
    }
    return {**base, **fields}


@pytest.fixture
def db(tmp_path):
    database = open_archive(tmp_path / "archive.db")
    yield database
    database.close()


def run_of(db, articles, today=date(2026, 2, 1)):
    """One finished crawl run that extracted ``articles``; returns its id and alerts."""
    run = runs.start_run(db, [SITE], {})
    writer.write_batch(db, articles, run_id=run.id)
    alerts = drift.check_run(db, run.id, today=today)
    runs.finish_run(db, run, "finished", {})
    return run.id, alerts


def test_first_run_has_no_baseline_and_raises_no_alert(db):
    _, alerts = run_of(db, [article(n, disclaimer=None) for n in range(20)])
    assert alerts == []


def test_vanished_disclaimers_are_drift_and_keep_their_last_values(db):
    run_of(db, [article(n) for n in range(20)])
    run_id, alerts = run_of(db, [article(n, disclaimer=None) for n in range(20)])
    assert [(a["field"], a["baseline"], a["value"], a["articles"]) for a in alerts] == [("disclaimer", 1.0, 0.0, 20)]
    assert alerts[0]["examples"] == [f"{SITE}/a/0.html", f"{SITE}/a/1.html", f"{SITE}/a/10.html"]
    assert db.execute("select count(*) from articles where disclaimer = '免责声明：仅供参考。'").fetchone() == (20,)
    assert db.execute("select distinct field, since_run from field_losses").fetchall() == [("disclaimer", run_id)]


def test_a_disclaimer_removed_from_a_few_pages_is_no_drift_and_goes(db):
    run_of(db, [article(n) for n in range(20)])
    run_of(db, [article(n, disclaimer=None if n < 2 else "免责声明：仅供参考。") for n in range(20)])
    assert db.execute("select url from articles where disclaimer is null order by url").fetchall() == [
        (f"{SITE}/a/0.html",), (f"{SITE}/a/1.html",)]
    assert db.execute("select count(*) from field_losses").fetchone() == (0,)


def test_a_field_that_changed_value_is_updated_as_before(db):
    run_of(db, [article(n) for n in range(20)])
    run_of(db, [article(n, disclaimer="版权声明：转载请注明出处。") for n in range(20)])
    assert db.execute("select distinct disclaimer from articles").fetchall() == [("版权声明：转载请注明出处。",)]


def test_a_lost_field_loses_its_flag_once_a_page_gives_it_again(db):
    run_of(db, [article(n) for n in range(20)])
    run_of(db, [article(n, disclaimer=None) for n in range(20)])
    run_of(db, [article(n) for n in range(20)])
    assert db.execute("select count(*) from field_losses").fetchone() == (0,)


def test_pages_that_stopped_reading_as_articles_are_drift(db):
    run_of(db, [article(n) for n in range(20)])
    run = runs.start_run(db, [f"{SITE}/a/1.html"], {})
    skipped = [(f"{SITE}/a/{n}.html", "not_article") for n in range(4, 20)]
    writer.write_batch(db, [article(n) for n in range(4)], not_articles=skipped, run_id=run.id)
    alerts = drift.check_run(db, run.id, today=date(2026, 2, 1))
    assert [(a["field"], a["value"], a["articles"]) for a in alerts] == [("article_pages", 0.2, 20)]
    assert alerts[0]["examples"] == [f"{SITE}/a/10.html", f"{SITE}/a/11.html", f"{SITE}/a/12.html"]
    assert alerts[0]["message"] == "article_pages in 4 of 20 pages (20%; baseline 100%)"


def test_a_run_of_few_articles_is_not_judged(db):
    run_of(db, [article(n) for n in range(20)])
    _, alerts = run_of(db, [article(n, disclaimer=None, title="标题") for n in range(3)])
    assert alerts == []


def test_a_drifted_run_does_not_lower_the_baseline(db):
    run_of(db, [article(n) for n in range(20)])
    run_of(db, [article(n, disclaimer=None) for n in range(20)])
    _, alerts = run_of(db, [article(n, disclaimer=None) for n in range(20)])
    assert [(a["field"], a["baseline"]) for a in alerts] == [("disclaimer", 1.0)]


def test_a_site_silent_far_longer_than_its_rhythm_is_an_alert(db):
    run_of(db, [article(n) for n in range(20)], today=date(2026, 2, 1))
    db.execute("update articles set first_seen = '2026-01-20T00:00:00+00:00'")
    _, quiet = run_of(db, [article(n) for n in range(20)], today=date(2026, 1, 24))
    _, silent = run_of(db, [article(n) for n in range(20)], today=date(2026, 3, 1))
    assert quiet == []
    assert [(a["field"], a["value"]) for a in silent] == [("new_articles", 40)]


# --- a replica whose template changes between runs ---------------------------------------

ARTICLES, SEED = 30, 5
#: What an operator adds once the alert names the fields: the redesign's own markup for them.
REDESIGN_RULES = """
[sites."127.0.0.1"]
date = "footer.entry-footer > span:not(.tags-links)"
body = "div.art-txt"
prev = "div.art-pager p.pn-prev"
next = "div.art-pager p.pn-next"
"""


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Four crawls of one replica: the first, an incremental re-run of the unchanged site, a
    full re-crawl after a redesign, and a full re-crawl of the redesign with a site rule for it."""
    db_path = tmp_path_factory.mktemp("drift") / "archive.db"
    alert_file = db_path.parent / "alert.json"
    rules = db_path.parent / "site-rules.toml"
    rules.write_text(REDESIGN_RULES, encoding="utf-8")
    classic = build_portal("wordpress", ARTICLES, SEED)
    redesign = build_portal("wordpress", ARTICLES, SEED, theme="redesign")
    start = classic.live_articles[ARTICLES // 2].path
    runs = {}
    with serve(classic) as site:
        for name, portal, options in (
            ("first", classic, []),
            ("unchanged", classic, []),
            ("redesign", redesign, ["--full", "--notify-command", f"cat > {alert_file}"]),
            ("fixed", redesign, ["--full", "--site-rules", str(rules)]),
        ):
            site.portal = portal
            runs[name] = medarchive("crawl", site.url + start, "--db", str(db_path), *FAST, *options)
            with sqlite3.connect(db_path) as db:
                runs[f"{name}_dates"] = dict(db.execute("select url, published from articles"))
                runs[f"{name}_kept"] = db.execute("select url, field from field_losses order by url").fetchall()
    runs["db"], runs["alert_file"], runs["site"] = db_path, alert_file, site.url
    return runs


def test_first_run_and_an_unchanged_incremental_rerun_raise_no_alert(history):
    assert history["first"].returncode == 0, history["first"].stderr
    assert history["unchanged"].returncode == 0, history["unchanged"].stderr
    assert "drift" not in history["first"].stderr + history["unchanged"].stderr


def test_redesign_exits_with_the_drift_status_naming_site_fields_baselines_and_pages(history):
    result = history["redesign"]
    assert result.returncode == 5, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING: drift")]
    assert [line.split(": ")[2].split(" in ")[0] for line in warnings] == ["date", "neighbours"]
    site = history["site"]
    assert all(line.startswith(f"WARNING: drift on {site}:") and "baseline" in line and f"e.g. {site}/" in line for line in warnings)
    assert re.search(r": date in \d of 29 articles \(\d+%; baseline 100%\)", warnings[0])


def test_notify_command_receives_the_alerts_as_json(history):
    sent = json.loads(history["alert_file"].read_text(encoding="utf-8"))
    assert [alert["field"] for alert in sent["alerts"]] == ["date", "neighbours"]
    assert sent["alerts"][0]["examples"][0].startswith(history["site"])


def test_a_failing_notify_command_is_named_with_its_exit_status():
    with pytest.raises(drift.NotifyFailed, match="^failed with exit status 3$"):
        drift.notify("cat > /dev/null; exit 3", "archive.db", 1, [])


def test_redesign_keeps_the_own_dates_it_lost_and_flags_them(history):
    with sqlite3.connect(history["db"]) as db:
        own_before = {url for (url,) in db.execute("select url from run_articles where run_id = 1 and own_date")}
        own_after = {url for (url,) in db.execute("select url from run_articles where run_id = 3 and own_date")}
    assert own_before - own_after, "the redesign should hide some own dates from extraction"
    assert history["redesign_kept"] == [(url, "date") for url in sorted(own_before - own_after)]
    assert history["redesign_dates"] == history["first_dates"]


def test_a_site_rule_for_the_new_markup_makes_the_next_run_clean_and_clears_the_flags(history):
    result = history["fixed"]
    assert result.returncode == 0, result.stderr
    assert "drift" not in result.stderr
    assert history["fixed_kept"] == []
    with sqlite3.connect(history["db"]) as db:
        coverage = {run: dict(db.execute("select field, share from run_coverage where run_id = ?", [run])) for run in (1, 4)}
        assert db.execute("select run_id, field from drift_alerts").fetchall() == [(3, "date"), (3, "neighbours")]
    assert all(coverage[4][field] >= share for field, share in coverage[1].items())
    assert None not in history["fixed_dates"].values()


def test_runs_shows_coverage_and_alerts(history):
    table = medarchive("runs", "--db", str(history["db"])).stdout
    assert f"{history['site']}  article_pages 29/30  title 29/29  date 0/29!" in table
    assert "neighbours 0/29!" in table
    listed = json.loads(medarchive("runs", "--json", "--db", str(history["db"])).stdout)
    redesign = next(run for run in listed if run["id"] == 3)
    assert redesign["coverage"][history["site"]]["date"] == [0, 29]
    assert [alert["field"] for alert in redesign["alerts"]] == ["date", "neighbours"]
    alerts = medarchive("runs", "--alerts", "--db", str(history["db"])).stdout.splitlines()
    assert [line.split()[1] for line in alerts] == ["3", "3"]
    assert all("WARNING: drift on" in line for line in alerts)


# --- datasette ----------------------------------------------------------------------------


def datasette_get(db_path, path):
    import asyncio

    from archive.serve import make_datasette

    async def fetch():
        return await make_datasette(db_path).client.get(path)

    return asyncio.run(fetch())


def test_datasette_charts_each_share_over_time_and_lists_it_in_a_canned_query(db, tmp_path):
    run_of(db, [article(n) for n in range(20)])
    run_of(db, [article(n, disclaimer=None) for n in range(20)])
    chart = datasette_get(tmp_path / "archive.db", "/-/coverage.svg")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.text.count("<polyline") == 8
    assert f"{SITE}: share of articles with each field, runs 1-2" in chart.text
    assert "disclaimer 0%" in chart.text and "title 100%" in chart.text
    rows = datasette_get(tmp_path / "archive.db", "/archive/coverage_over_time.json?_shape=array").json()
    disclaimer = [(row["run_id"], row["percent"], row["alert"]) for row in rows if row["field"] == "disclaimer"]
    assert disclaimer == [(2, 0.0, "!"), (1, 100.0, "")]


def test_the_coverage_chart_leaves_out_a_run_too_small_to_judge(db, tmp_path):
    run_of(db, [article(n) for n in range(20)])
    run_of(db, [article(0, disclaimer=None)])  # one article: no drift check judges it
    chart = datasette_get(tmp_path / "archive.db", "/-/coverage.svg").text
    assert f"{SITE}: share of articles with each field, runs 1-1" in chart
    assert "disclaimer 100%" in chart and "disclaimer 0%" not in chart
    assert f"fewer than {drift.DriftConfig().min_articles} articles" in chart


# --- the metadata fields of m023 -------------------------------------------------------------


def test_coverage_counts_the_share_of_articles_naming_authors_and_a_source(db):
    run_id, _ = run_of(db, [article(n, authors=["张三"] if n % 4 == 0 else [], source="新华网" if n % 2 else None) for n in range(20)])
    shares = dict(db.execute("select field, share from run_coverage where run_id = ? and field in ('authors', 'source', 'images')", [run_id]).fetchall())
    assert shares == {"authors": 0.25, "source": 0.5, "images": 0.0}


def test_vanished_bylines_and_sources_are_drift_and_keep_their_last_values(db):
    for _ in range(2):
        run_of(db, [article(n, authors=["张三"], source="新华网", source_url="http://www.news.cn/1.htm") for n in range(20)])
    run_id, alerts = run_of(db, [article(n) for n in range(20)])
    assert [alert["field"] for alert in alerts] == ["authors", "source"]
    assert db.execute("select distinct authors, source, source_url from articles").fetchall() == [('["张三"]', "新华网", "http://www.news.cn/1.htm")]
    assert db.execute("select field, count(*) from field_losses where last_run = ? group by field", [run_id]).fetchall() == [("authors", 20), ("source", 20)]


def test_a_source_line_a_site_took_away_goes_once_the_run_did_not_drift(db):
    run_of(db, [article(n, source="新华网") for n in range(20)])
    run_of(db, [article(n, source="新华网" if n else None) for n in range(20)])
    assert db.execute("select count(*) from articles where source is null").fetchone()[0] == 1
    assert db.execute("select count(*) from field_losses").fetchone()[0] == 0
