"""Each normalising step does its one job on an article; the page step runs them all; the
pipeline after it reports unread dates and leaves anything else alone."""

import re
from collections import Counter

import pytest
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.utils.test import get_crawler

from crawler import normalise as steps
from crawler.items import ArticleItem, NeighbourLink, PageAlias
from crawler.pipelines import NormalisePipeline, UnreadDatesPipeline


class Step:
    """One normalising step with the counts it made."""

    def __init__(self, step):
        self.step, self.counts = step, Counter()

    def process_item(self, article):
        self.step(article, steps.counter_into(self.counts))
        return article


def make(step):
    return Step(step)


def pipeline():
    crawler = get_crawler()
    crawler.stats.open_spider()
    return UnreadDatesPipeline.from_crawler(crawler)


def item(**fields):
    base = dict(url="https://a.example/1.html", fetched_url="https://a.example/1.html", site="https://a.example",
                title="标题", body="正文内容。", body_html="<p>正文内容。</p>", fetched_at="2026-02-03T02:00:00+00:00")
    return ArticleItem(**{**base, **fields})


def test_dates_become_iso_for_the_article_and_its_neighbours():
    article = item(
        published_raw="发布时间:2026年1月5日 星期一",
        neighbours=[NeighbourLink("prev", "https://a.example/0.html", "旧", "2026年2月2日"), NeighbourLink("next", None)],
    )
    make(steps.normalise_dates).process_item(article)
    assert article.published == "2026-01-05"
    assert article.neighbours[0].date == "2026-02-02"


def test_relative_date_is_read_against_the_crawl_time():
    article = item(published_raw="昨天 14:30")
    make(steps.normalise_dates).process_item(article)
    assert article.published == "2026-02-02T14:30:00+08:00"


def test_unreadable_date_is_kept_raw_and_counted():
    step = make(steps.normalise_dates)
    article = item(published_raw="时间:不详")
    step.process_item(article)
    assert (article.published, article.published_raw) == (None, "时间:不详")
    assert step.counts["dates/unparsed"] == 1


def test_article_without_title_is_refused_and_counted():
    counts = Counter()
    with pytest.raises(steps.InvalidArticle, match="has no title"):
        steps.normalise(item(title="  "), steps.counter_into(counts))
    assert counts["validate/dropped/missing_title"] == 1


def test_disclaimer_line_left_in_the_body_moves_out():
    article = item(body="正文第一段。\n免責聲明：僅供參考。")
    make(steps.move_disclaimer).process_item(article)
    assert (article.body, article.disclaimer) == ("正文第一段。", "免責聲明：僅供參考。")


def test_identifiers_come_from_references_text_and_links():
    article = item(
        body="正文提到 PMID: 31234567。",
        reference_texts=["[1] Smith J. Title. 2025. doi: 10.1177/ABC123.", "[2] Li X. Title. PMCID: PMC7654321"],
        reference_hrefs=["https://doi.org/10.1186/s13287-025-04123-9"],
        body_hrefs=["https://pubmed.ncbi.nlm.nih.gov/29876543/"],
    )
    make(steps.find_identifiers).process_item(article)
    assert article.dois == ["10.1177/abc123", "10.1186/s13287-025-04123-9"]
    assert article.pmids == ["31234567", "29876543"]
    assert article.pmcids == ["PMC7654321"]
    assert [(r.position, r.doi, r.pmcid) for r in article.references] == [(1, "10.1177/abc123", None), (2, "10.1186/s13287-025-04123-9", "PMC7654321")]


def test_aliases_pass_through_untouched():
    alias = PageAlias("https://a.example/?p=1", "https://a.example/1.html")
    assert pipeline().process_item(alias) is alias


def test_a_crawl_naming_the_old_normalising_pipeline_still_runs_with_a_warning():
    from scrapy.utils.misc import build_from_crawler, load_object

    crawler = get_crawler(settings_dict={"ITEM_PIPELINES": {"crawler.pipelines.NormalisePipeline": 100}})
    with pytest.warns(ScrapyDeprecationWarning, match="remove it from ITEM_PIPELINES"):
        old = build_from_crawler(load_object("crawler.pipelines.NormalisePipeline"), crawler)
    article = item()
    assert old.process_item(article) is article


def test_the_steps_are_listed_once_and_only_the_page_step_runs_them():
    from pathlib import Path

    root = Path(__file__).parent.parent / "crawler"
    assert steps.STEPS == (steps.require_fields, steps.normalise_dates, steps.find_identifiers, steps.find_trial_registrations, steps.move_disclaimer)
    running = sorted(str(path.relative_to(root)) for path in root.rglob("*.py") if "normalise(" in path.read_text("utf-8"))
    assert running == ["normalise.py", "page.py"]
    # The crawl's spider reaches it through its extraction processes (extractor.py).
    for module in ("extractor.py", "reextract.py", "single_page.py"):
        assert "page_to_article(" in (root / module).read_text("utf-8"), module
    calling_extraction = [str(path.relative_to(root)) for path in root.glob("*.py")
                          if re.search(r"\b(read|extract)_article\(", path.read_text("utf-8"))]
    assert calling_extraction == ["page.py"]
