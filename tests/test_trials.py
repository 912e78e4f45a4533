"""Trial registrations: found in text and links, spelled as their registry spells them, never
read into phone numbers, dates or DOIs; stored, re-extracted into old archives, shown."""

import asyncio
import json
import re
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive import browse, open_archive
from archive.writer import write_batch
from crawler.extraction.trials import find_trials, trials_in_urls
from crawler.reextract import reextract

from conftest import FAST, medarchive, written_archive
from datasette.app import Datasette

REALPAGES = Path(__file__).parent / "realpages" / "pages"


@pytest.mark.parametrize(
    "text, found",
    [
        pytest.param("注册号：NCT01234567。", [("ClinicalTrials.gov", "NCT01234567")], id="nct"),
        pytest.param("注册号 nct 01234567", [("ClinicalTrials.gov", "NCT01234567")], id="nct-lowercase-spaced"),
        pytest.param("ＮＣＴ０１２３４５６７", [("ClinicalTrials.gov", "NCT01234567")], id="nct-fullwidth"),
        pytest.param("ChiCTR2000012345", [("ChiCTR", "ChiCTR2000012345")], id="chictr-since-2016"),
        pytest.param("ChiCTR-2000012345", [("ChiCTR", "ChiCTR2000012345")], id="chictr-stray-hyphen"),
        pytest.param("（ChiCTR-IOR-17013240）", [("ChiCTR", "ChiCTR-IOR-17013240")], id="chictr-ior"),
        pytest.param("chictr-onc-12002345", [("ChiCTR", "ChiCTR-ONC-12002345")], id="chictr-onc-lowercase"),
        pytest.param("ChiCTR–TRC–10000999", [("ChiCTR", "ChiCTR-TRC-10000999")], id="chictr-old-en-dash"),
        pytest.param("ChiCTR－INR－16009876", [("ChiCTR", "ChiCTR-INR-16009876")], id="chictr-fullwidth-hyphen"),
        pytest.param("ISRCTN 12345678", [("ISRCTN", "ISRCTN12345678")], id="isrctn"),
        pytest.param("EudraCT编号：2004-123456-12", [("EudraCT", "2004-123456-12")], id="eudract-labelled"),
        pytest.param("EudraCT No. 2015–001234–56", [("EudraCT", "2015-001234-56")], id="eudract-en-dash"),
        pytest.param("EU CT number: 2023-123456-12-00", [("CTIS", "2023-123456-12-00")], id="ctis-labelled"),
        pytest.param("CTIS 2024-510123-33-00", [("CTIS", "2024-510123-33-00")], id="ctis-short-label"),
        pytest.param("jRCTs031180001", [("jRCT", "jRCTs031180001")], id="jrct-letter"),
        pytest.param("JRCT2031200123", [("jRCT", "jRCT2031200123")], id="jrct-digits-uppercased"),
        pytest.param("ACTRN12615000123456", [("ANZCTR", "ACTRN12615000123456")], id="anzctr"),
        pytest.param("İzmir 的试验 NCT01234567", [("ClinicalTrials.gov", "NCT01234567")], id="after-a-letter-lowering-to-two"),
        pytest.param(
            "NCT01234567、ChiCTR2000012345和NCT01234567",
            [("ClinicalTrials.gov", "NCT01234567"), ("ChiCTR", "ChiCTR2000012345")],
            id="each-once-in-order",
        ),
    ],
)
def test_find_trials(text, found):
    assert find_trials(text) == found


@pytest.mark.parametrize(
    "url, found",
    [
        ("https://clinicaltrials.gov/study/NCT05123456", ("ClinicalTrials.gov", "NCT05123456")),
        ("https://clinicaltrials.gov/ct2/show/nct05123456?term=stem", ("ClinicalTrials.gov", "NCT05123456")),
        ("https://www.chictr.org.cn/showproj.html?proj=12345&regno=ChiCTR2100041234", ("ChiCTR", "ChiCTR2100041234")),
        ("https://trialsearch.who.int/Trial2.aspx?TrialID=ChiCTR-IOR-17013240", ("ChiCTR", "ChiCTR-IOR-17013240")),
        ("https://www.isrctn.com/ISRCTN12345678", ("ISRCTN", "ISRCTN12345678")),
        ("https://www.anzctr.org.au/Trial/Registration/TrialReview.aspx?ACTRN=12615000123456", ("ANZCTR", "ACTRN12615000123456")),
        ("https://jrct.niph.go.jp/latest-detail/jRCTs031180001", ("jRCT", "jRCTs031180001")),
        ("https://www.clinicaltrialsregister.eu/ctr-search/trial/2004-123456-12/GB", ("EudraCT", "2004-123456-12")),
        ("https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT=2023-123456-12-00", ("CTIS", "2023-123456-12-00")),
    ],
)
def test_trials_in_links(url, found):
    assert trials_in_urls([url]) == [found]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("https://www.chictr.org.cn/showproj.html?proj=12345", id="chictr-link-without-its-number"),
        pytest.param("咨询电话：010-12345678，传真 0571-87654321", id="phone-numbers"),
        pytest.param("订单号 2004-123456-12，发票 2023-123456-12-00", id="eu-shaped-numbers-without-label"),
        pytest.param("2024-03-05 发布；10.1186/s13063-020-04512-3", id="date-and-doi"),
        pytest.param("NCT012345678 与 NCT0123456", id="nct-with-nine-or-seven-digits"),
        pytest.param("ANCT01234567 XISRCTN12345678 SjRCT2031200123", id="prefix-inside-a-word"),
        pytest.param("ChiCTR 注册中心；ChiCTR-IOR", id="registry-name-without-number"),
        pytest.param("EudraCT 2023-123456-12-00", id="ctis-number-is-no-eudract-number"),
        pytest.param("ACTRN1261500012345", id="anzctr-short"),
    ],
)
def test_other_numbers_are_no_trials(text):
    assert find_trials(text) == []


#: Every canonical form, as the registries spell their numbers.
CANONICAL = re.compile(
    r"NCT\d{8}|ChiCTR\d{10}|ChiCTR-[A-Z]{2,5}-\d{8}|ISRCTN\d{8}|ACTRN\d{14}|jRCT[a-z0-9]\d{9}|\d{4}-\d{6}-\d\d(?:-\d\d)?"
)


@given(st.text(alphabet=st.sampled_from("NCTnctChiRIORSNjrs EudraCT-–－０１23456789ＮＣ：:/?=&.\n"), max_size=80))
def test_whatever_the_text_every_number_found_is_canonical(text):
    assert all(CANONICAL.fullmatch(trial_id) for _, trial_id in find_trials(text))


def _page_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def test_no_real_page_names_a_trial_it_does_not_name():
    """Every saved real page, markup and scripts included: thousands of phone numbers, dates,
    order ids and DOIs, and not one registration among them (checked by reading them)."""
    pages = sorted(REALPAGES.glob("*.html"))
    texts = [unicodedata.normalize("NFKC", _page_text(page)) for page in pages]
    assert len(pages) >= 80
    long_numbers = sum(len(re.findall(r"\d[\d-]{7,}\d", text)) for text in texts)
    assert long_numbers > 1000
    assert {page.name: find_trials(text) for page, text in zip(pages, texts) if find_trials(text)} == {}


def test_replica_names_trials_of_several_registries(wordpress_portal, dedecms_portal):
    articles = [*wordpress_portal.articles, *dedecms_portal.articles]
    named = [a for a in articles if a.trials]
    assert len(named) >= len(articles) // 4
    registries = {registry for a in named for registry, _ in find_trials(" ".join(a.trials))}
    assert registries == {"ClinicalTrials.gov", "ChiCTR", "ISRCTN", "ANZCTR"}


def _article(url, body, trials):
    return {
        "url": url, "site": "https://example.org", "title": "标题", "body": body, "body_html": f"<p>{body}</p>",
        "trials": [{"registry": registry, "trial_id": trial_id} for registry, trial_id in trials],
    }


def test_writer_keeps_one_row_per_trial_and_replaces_them_on_update(tmp_path):
    db = open_archive(tmp_path / "archive.db")
    write_batch(db, [_article("https://example.org/1.html", "一", [("ClinicalTrials.gov", "NCT01234567")])])
    write_batch(db, [_article("https://example.org/1.html", "二", [("ChiCTR", "ChiCTR2000012345")])])
    assert db.execute("select article_url, registry, trial_id from article_trials").fetchall() == [
        ("https://example.org/1.html", "ChiCTR", "ChiCTR2000012345")
    ]


def test_reextract_gives_an_old_archive_its_trials(wordpress_portal, wordpress_site, tmp_path):
    db_path = tmp_path / "old.db"
    crawled = medarchive("crawl", wordpress_site.url + wordpress_portal.articles[-1].path, "--db", str(db_path), *FAST)
    assert crawled.returncode == 0, crawled.stderr
    with sqlite3.connect(db_path) as conn:
        expected = sorted(conn.execute("select article_url, trial_id from article_trials"))
        conn.execute("delete from article_trials")  # as an archive written before trials were read
    assert expected
    db = open_archive(db_path)
    stats = reextract(db)
    assert stats["reextract/new"] == 0 and stats["trials/found"] == len(expected)
    assert sorted(db.execute("select article_url, trial_id from article_trials").fetchall()) == expected


def test_extract_shows_the_trials_a_page_names(wordpress_portal, wordpress_site):
    article = next(a for a in wordpress_portal.live_articles if a.trials)
    shown = medarchive("extract", wordpress_site.url + article.path)
    assert shown.returncode == 0, shown.stderr
    assert f"trials      {', '.join(sorted(article.trials))}" in shown.stdout
    report = json.loads(medarchive("extract", wordpress_site.url + article.path, "--json").stdout)
    assert {trial["trial_id"] for trial in report["trials"]} == set(article.trials)


@pytest.mark.parametrize(
    "typed", ["NCT01234567", "nct 01234567", "ＮＣＴ０１２３４５６７"],
)
def test_trial_from_input_reads_a_number_as_typed(typed):
    assert browse.trial_from_input(typed) == "NCT01234567"


def test_every_registry_links_to_its_page():
    assert browse.trial_url("ChiCTR", "ChiCTR-IOR-17013240") == "https://www.chictr.org.cn/searchproj.html?regno=ChiCTR-IOR-17013240"
    assert browse.trial_url("ANZCTR", "ACTRN12615000123456") == "https://www.anzctr.org.au/ACTRN12615000123456.aspx"
    assert browse.trial_url("Elsewhere", "X1") is None


def test_the_article_page_links_each_trial_to_its_registry_and_to_the_articles_naming_it(tmp_path):
    url = "https://example.org/1.html"
    path = written_archive(tmp_path, [
        _article(url, "注册号ChiCTR-IOR-17013240", [("ChiCTR", "ChiCTR-IOR-17013240")]),
        _article("https://example.org/2.html", "无", []),
    ])
    datasette = Datasette([str(path)])

    async def fetch(path):
        return (await datasette.client.get(path)).text

    page = asyncio.run(fetch("/-/article/archive?url=" + url))
    assert '<a href="https://www.chictr.org.cn/searchproj.html?regno=ChiCTR-IOR-17013240" rel="noreferrer">ChiCTR-IOR-17013240</a>' in page
    assert 'href="/archive/articles_naming_trial?trial=ChiCTR-IOR-17013240"' in page
    rows = asyncio.run(fetch("/archive/articles_naming_trial.json?_shape=array&trial=chictr%E2%80%93ior%E2%80%9317013240"))
    assert [row["url"] for row in json.loads(rows)] == [url]


def test_an_archive_from_before_trials_shows_its_articles_without_them(tmp_path):
    url = "https://example.org/1.html"
    path = written_archive(tmp_path, [_article(url, "正文", [])])
    with sqlite3.connect(path) as conn:
        conn.execute("drop table article_trials")
        page = browse.article_page(conn, url)
    assert page["title"] == "标题" and page["trials"] == []
