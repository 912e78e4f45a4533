"""The normalising steps an extracted article goes through before the archive, as plain
functions over the article: each fills or checks fields and counts what it did through
``count(key, n=1)`` (a crawl's Scrapy stats, or any counter).

:data:`STEPS` lists them once, in order; the page step (``crawler.page``), which a crawl,
``reextract``, a WARC import and ``medarchive extract`` all go through, runs them through
:func:`normalise`.
"""

import logging
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime

from .extraction.dates import RELATIVE_METHODS, YEAR_LESS_METHODS, normalize_date, year_in_url, years_before
from .extraction.references import dois_in_urls, find_dois, find_pmcids, find_pmids, parse_references
from .extraction.rules import DISCLAIMER_LINE
from .extraction.trials import find_trials
from .items import ArticleItem, ReferenceEntry

logger = logging.getLogger(__name__)

Count = Callable[..., None]

#: An article needs these, as non-blank text, to be stored.
REQUIRED_FIELDS = ("url", "title", "body")


class InvalidArticle(ValueError):
    """An article that cannot be stored; its text says why."""


def require_fields(article: ArticleItem, count: Count) -> None:
    """Refuse an article missing a required field, counting each refusal by field."""
    for name in REQUIRED_FIELDS:
        if not (getattr(article, name) or "").strip():
            count(f"validate/dropped/missing_{name}")
            raise InvalidArticle(f"Article {article.fetched_url} has no {name}")


def normalise_dates(article: ArticleItem, count: Count) -> None:
    """Fill ``published`` (ISO 8601, Asia/Shanghai) from ``published_raw``, ``modified`` likewise
    from ``modified_raw``, and each neighbour
    link's ``date`` from its ``date_raw``, read against the time the page was fetched
    (:func:`fetch_time`), never the clock. A date shown without its year takes the URL's year,
    else the one year of the page's other full dates, else the latest such day not after the
    fetch. A relative date (``昨天``) makes ``published_source`` ``relative``. A neighbour's date
    is taken only when it shows its year (``dates/neighbour_not_full`` counts the others): the
    page's fetch time and years say nothing of another page. A date that cannot be read is kept
    raw, left NULL and counted as ``dates/unparsed``; each is logged at INFO (a run reports them
    once, through :class:`UnreadDates`)."""
    now = fetch_time(article)
    if article.published_raw:
        result = _read_date(article.published_raw, now, _years(article, now), article.url, count)
        article.published = result.iso if result else None
        if result and result.method in RELATIVE_METHODS:
            article.published_source = "relative"
    if article.modified_raw:
        result = _read_date(article.modified_raw, now, _years(article, now), article.url, count)
        article.modified = result.iso if result else None
    for link in article.neighbours:
        if link.date_raw:
            result = _read_date(link.date_raw, now, years_before(now), article.url, count)
            if result and result.method in RELATIVE_METHODS + YEAR_LESS_METHODS:
                count("dates/neighbour_not_full")
                result = None
            link.date = result.iso if result else None


def fetch_time(article: ArticleItem) -> datetime | None:
    """When the page was fetched: its HTTP ``Date`` header (the server's time when it sent the
    page, also for a page served from a cache), else ``fetched_at``; None when neither is known."""
    header = (article.raw_headers or {}).get("Date")
    if header:
        try:
            return parsedate_to_datetime(header)
        except (TypeError, ValueError):
            pass  # a malformed header: the fetch time stored with the page is next best
    return datetime.fromisoformat(article.fetched_at) if article.fetched_at else None


def _years(article: ArticleItem, now: datetime | None) -> tuple[int, ...]:
    """The years a published date shown without one may take (see :func:`normalise_dates`);
    none when the page shows full dates of several years."""
    year = year_in_url(article.fetched_url) or year_in_url(article.url)
    if year:
        return (year,)
    if article.page_years:
        return tuple(article.page_years) if len(article.page_years) == 1 else ()
    return years_before(now)


def _read_date(raw: str, now, years, url: str, count: Count):
    result = normalize_date(raw, now=now, years=years)
    if result is None:
        count("dates/unparsed")
        logger.info("Could not read the date %r on %s; kept raw", raw, url)
        return None
    count(f"dates/parsed/{result.method}")
    return result


#: How many unreadable dates a run's summary shows as examples.
UNREAD_DATE_EXAMPLES = 3


class UnreadDates:
    """The dates a run could not read, reported in one warning line at its end rather than
    one per page: how many (``dates/unparsed``) and, as examples, the first few published
    dates with their pages."""

    def __init__(self):
        self.examples = []

    def note(self, url: str | None, published_raw: str | None, published: str | None) -> None:
        """Keep an article's published date as an example when it was shown but not read."""
        if published_raw and not published and len(self.examples) < UNREAD_DATE_EXAMPLES:
            self.examples.append(f"{published_raw!r} on {url!r}")  # repr: page text reaches a terminal

    def report(self, stats) -> None:
        """One warning line if ``stats`` counted unreadable dates; nothing otherwise."""
        unread = stats.get("dates/unparsed", 0)
        if unread:
            shown = f", e.g. {'; '.join(self.examples)}" if self.examples else ""
            logger.warning("Could not read %d dates; kept raw, left empty (dates/unparsed)%s", unread, shown)


def find_identifiers(article: ArticleItem, count: Count) -> None:
    """Fill ``references`` (one entry per cited work) and the article-level ``dois``/``pmids``/
    ``pmcids`` from every place the article names them."""
    article.references = [ReferenceEntry(**entry) for entry in parse_references(article.reference_texts, article.reference_hrefs)]
    text = "\n".join([article.body, *article.reference_texts])
    urls = [*article.reference_hrefs, *article.body_hrefs]
    article.dois = _unique([*find_dois(text), *dois_in_urls(urls)])
    article.pmids = _unique([*find_pmids(text), *find_pmids("\n".join(urls))])
    article.pmcids = _unique([*find_pmcids(text), *find_pmcids("\n".join(urls))])
    count("references/entries", len(article.references))
    count("references/dois", len(article.dois))


def find_trial_registrations(article: ArticleItem, count: Count) -> None:
    """Fill ``trials`` with the clinical-trial registrations the article names in its title,
    text, references or links, each once."""
    text = "\n".join([article.title, article.body, *article.reference_texts, *article.body_hrefs, *article.reference_hrefs])
    article.trials = [{"registry": registry, "trial_id": trial_id} for registry, trial_id in find_trials(text)]
    count("trials/found", len(article.trials))


def _unique(values):
    return list(dict.fromkeys(values))


def split_disclaimer(body: str) -> tuple[str, str | None]:
    """``body`` without its disclaimer lines, and those lines (None when there are none)."""
    kept, disclaimer = [], []
    for line in body.split("\n"):
        (disclaimer if DISCLAIMER_LINE.match(line) else kept).append(line)
    return "\n".join(kept), (" ".join(disclaimer) or None)


def move_disclaimer(article: ArticleItem, count: Count) -> None:
    """Move any disclaimer line extraction left in the body into ``disclaimer``; count articles
    with no disclaimer at all as ``disclaimer/missing``."""
    body, found = split_disclaimer(article.body)
    if found:
        article.body = body
        article.disclaimer = " ".join(filter(None, [article.disclaimer, found]))
    if not article.disclaimer:
        count("disclaimer/missing")


#: The steps, in order: an invalid article is refused before any work is spent on it.
STEPS = (require_fields, normalise_dates, find_identifiers, find_trial_registrations, move_disclaimer)


def normalise(article: ArticleItem, count: Count) -> ArticleItem:
    """Run every step over ``article``; :class:`InvalidArticle` when it cannot be stored."""
    for step in STEPS:
        step(article, count)
    return article


def counter_into(counts: dict) -> Count:
    """A ``count`` that adds into the dict ``counts`` (a :class:`collections.Counter`)."""

    def count(key: str, n: int = 1) -> None:
        counts[key] = counts.get(key, 0) + n

    return count
