"""Writing articles into the archive: idempotent, batched, all-or-nothing per batch.

The writer takes plain dicts (an ``ArticleItem`` as a dict), so a crawl, a
re-extraction or an ingest from a queue all write the same way.
"""

import hashlib
import json
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import record, search_index, stories
from .categories import category_group
from .schema import METADATA_COVERAGE, article_columns

#: Fields whose change makes an article "updated": everything stored about it that comes
#: from the page (the page's furniture and neighbour links do not count), as the record marks it.
CONTENT_FIELDS = record.marked_fields("content", record.ALWAYS)
#: Fields read from the page since m023 (who wrote it, where it came from, ...) that are in the
#: digest only when the page gives them, so that an article without any keeps the digest it had
#: before they were read and does not look edited.
METADATA_FIELDS = record.marked_fields("content", record.WHEN_GIVEN)
#: The ``articles`` columns of the page's metadata.
_METADATA_COLUMNS = tuple(name for name in record.marked_fields("metadata") if name in record.COLUMNS)


@dataclass
class WriteCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    aliases: int = 0

    def add(self, other: "WriteCounts") -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.aliases += other.aliases


@dataclass
class Batch:
    """Writes waiting for the next transaction, one ``add_*`` method per kind of write.
    Crawls and ingests from a queue fill it the same way."""

    articles: list = field(default_factory=list)
    aliases: list = field(default_factory=list)
    gaps: list = field(default_factory=list)
    sitemap: list = field(default_factory=list)
    not_articles: list = field(default_factory=list)
    revisits: list = field(default_factory=list)

    def add_article(self, article: dict) -> None:
        """An article (an ``ArticleItem`` as a dict)."""
        self.articles.append(article)

    def add_alias(self, alias: dict) -> None:
        """Another URL (``alias_url``) for an article (``article_url``)."""
        self.aliases.append((alias["alias_url"], alias["article_url"]))

    def add_gap(self, gap: dict) -> None:
        """A prev/next link that could not be followed (``from_url``, ``rel``, ``to_url``, ``reason``, ``status``)."""
        self.gaps.append(gap)

    def add_sitemap(self, entry: dict) -> None:
        """A sitemap's ``url`` and its ``lastmod``."""
        self.sitemap.append((entry["url"], entry["lastmod"]))

    def add_not_article(self, page: dict) -> None:
        """A page (``url``) that is not an article, the ``reason``, and the kept ``page`` if any."""
        self.not_articles.append((page["url"], page["reason"], page.get("page")))

    def add_revisit(self, page: dict) -> None:
        """A fetch (``url``, ``fetched_at``, ``status``, ``exchange``) answered 304 Not Modified."""
        self.revisits.append(page)

    def __bool__(self) -> bool:
        return any((self.articles, self.aliases, self.gaps, self.sitemap, self.not_articles, self.revisits))

    def write(self, db, run_id: int | None = None, pages: int | None = None) -> "WriteCounts":
        """Write everything in one transaction, then empty the batch (also when it fails:
        the transaction is rolled back as a whole). ``pages`` is how many pages the run
        has fetched so far."""
        try:
            return write_batch(
                db, self.articles, self.aliases, gaps=self.gaps, sitemap=self.sitemap,
                not_articles=self.not_articles, revisits=self.revisits, run_id=run_id, pages=pages,
            )
        finally:
            self.articles, self.aliases, self.gaps, self.sitemap, self.not_articles, self.revisits = [], [], [], [], [], []


def content_hash(article: dict, *, with_metadata: bool = True) -> str:
    """A digest of what the article says (not of the page around it), to notice edits; with
    the :data:`METADATA_FIELDS` the page gives unless ``with_metadata`` is false."""
    values = [article.get(name) for name in CONTENT_FIELDS]
    metadata = {name: article[name] for name in METADATA_FIELDS if with_metadata and article.get(name)}
    if metadata:
        values.append(metadata)
    payload = json.dumps(values, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def metadata_columns(article: dict) -> dict:
    """The ``articles`` columns of the article's metadata (lists as JSON text), each None when
    the page does not give it."""
    return record.columns(article, _METADATA_COLUMNS)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# Plain SQL below, not sqlite-utils' table methods: those look up the table's columns on
# every call, which made up most of a batch's time (bench/RESULTS.md, section 3).


def write_batch(
    db,
    articles: list[dict],
    aliases: list[tuple[str, str]] = (),
    *,
    gaps: list[dict] = (),
    sitemap: list[tuple[str, str | None]] = (),
    not_articles: list[tuple] = (),
    revisits: list[dict] = (),
    run_id: int | None = None,
    pages: int | None = None,
) -> WriteCounts:
    """Upsert ``articles`` and record ``aliases`` (alias URL, article URL), chain ``gaps``
    ``sitemap`` entries (URL, lastmod), ``not_articles`` (URL, reason[, kept page]) and ``revisits`` (304s) in one transaction, then bring published dates
    taken from neighbour links up to date. With ``run_id`` the run's row counts the batch
    (and records ``pages``) in the same transaction."""
    counts = WriteCounts()
    with db.atomic():
        _record_gaps(db, gaps, run_id)
        now = utc_now()
        db.conn.executemany(
            "insert into sitemap_entries (url, lastmod, seen) values (?, ?, ?)"
            " on conflict (url) do update set lastmod = excluded.lastmod, seen = excluded.seen",
            [(url, lastmod, now) for url, lastmod in sitemap],
        )
        db.conn.executemany(
            "insert into not_articles (url, reason, last_seen) values (?, ?, ?)"
            " on conflict (url) do update set reason = excluded.reason, last_seen = excluded.last_seen",
            [(url, reason, now) for url, reason, *_ in not_articles],
        )
        _keep_unextracted(db, [(url, reason, kept[0]) for url, reason, *kept in not_articles if kept and kept[0]], now)
        _record_revisits(db, revisits)
        changed_ids = []
        db.conn.executemany(
            "delete from unextracted_pages where url in (?, ?)",
            [(article["url"], article.get("fetched_url")) for article in articles],
        )
        # A test's archive migrated part-way has fewer columns than the record gives.
        stored = article_columns(db.conn)
        for article in articles:
            outcome, article_id = _upsert_article(db, article, run_id, stored)
            if run_id is not None:
                _record_extracted_fields(db, run_id, article)
            setattr(counts, outcome, getattr(counts, outcome) + 1)
            if outcome != "unchanged":
                changed_ids.append(article_id)
        pairs = [(alias_url, article_url) for alias_url, article_url in aliases if alias_url != article_url]
        db.conn.executemany(_UPSERT_ALIAS, pairs)
        counts.aliases += len(pairs)
        resolve_neighbour_dates(db, _touched_urls(articles, aliases))
        # A link that failed before and leads to an archived article is no gap any more.
        db.execute("delete from gaps where to_url in (select url from articles union all select alias_url from aliases)")
        if changed_ids:
            search_index.index_articles(db, changed_ids)
            stories.assign(db, changed_ids)
        if run_id is not None:
            _count_in_run(db, run_id, counts, pages)
    return counts


def _count_in_run(db, run_id: int, counts: WriteCounts, pages: int | None) -> None:
    """Add a batch to its run's row, so a run killed before ``finish_run`` still shows
    what its committed batches wrote."""
    db.conn.execute(
        """
        update runs set articles_new = coalesce(articles_new, 0) + ?, articles_updated = coalesce(articles_updated, 0) + ?,
                        articles_unchanged = coalesce(articles_unchanged, 0) + ?, pages = coalesce(?, pages)
        where id = ?
        """,
        [counts.new, counts.updated, counts.unchanged, pages, run_id],
    )


def _upsert_article(db, article: dict, run_id: int | None, stored: set[str]) -> tuple[str, int]:
    """Write one article and its references, DOIs, links and aliases into the ``stored``
    columns of ``articles``; says whether it was ``new``, ``updated`` or ``unchanged``. A field
    the stored article has and the new page lacks keeps its stored value, flagged in
    ``field_losses`` (see ``_keep_lost_fields``)."""
    with_metadata = "authors" in stored  # m023: its columns and article_images
    url = article["url"]
    digest = content_hash(article)
    now = article.get("fetched_at") or utc_now()
    existing = db.execute("select id, content_hash from articles where url = ?", [url]).fetchone()
    validators = {"etag": article.get("etag"), "last_modified": article.get("last_modified")}
    if existing and (existing[1] == digest or existing[1] == content_hash(article, with_metadata=False)):
        values = {"last_fetched": now, "http_status": article.get("http_status"), **validators}
        if existing[1] != digest and with_metadata:
            # Only metadata where none was stored: an archive from before m023 being filled
            # (by reextract or the next crawl), not an edit.
            values.update(metadata_columns(article), content_hash=digest)
            _write_images(db, url, article)
        _update_row(db, url, values)
        if _same_page(db, url, article):
            # The page kept is what was served again: a revisit of it, not a new capture.
            _record_revisits(db, [{"url": url, "fetched_at": now, "status": article.get("http_status"), "exchange": article.get("exchange")}])
        else:
            _write_page(db, url, article, now)
        _write_links(db, url, article.get("neighbours") or [])
        _write_aliases(db, url, article.get("aliases") or [])
        # Trials are read from what the hash covers, but an archive from before they were
        # read gets them when its unchanged pages are re-extracted.
        _write_trials(db, url, article)
        return "unchanged", existing[0]
    row = {
        **{name: value for name, value in record.columns(article).items() if name in stored},
        "category_group": category_group(article.get("category")),
        "content_hash": digest,
        "last_fetched": now,
        "last_changed": now,
    }
    if article.get("published_raw"):
        # Without a date of its own the article keeps the one its neighbours give it.
        row["year"] = _year(article.get("published"))
    lost = set()
    if existing:
        article_id = existing[0]
        lost = _keep_lost_fields(db, url, article, row, run_id)
        _keep_previous_version(db, url, now)
        _update_row(db, url, row)
        outcome = "updated"
    else:
        article_id = db.execute("select coalesce(max(id), 0) + 1 from articles").fetchone()[0]
        row = {**row, "id": article_id, "first_seen": now}
        db.conn.execute(f"insert into articles ({', '.join(row)}) values ({', '.join('?' * len(row))})", list(row.values()))
        outcome = "new"
    _write_page(db, url, article, now)
    if "references" not in lost:
        _write_references(db, url, article)
    _write_trials(db, url, article)
    if with_metadata:
        _write_images(db, url, article)
    _write_links(db, url, article.get("neighbours") or [])
    _write_aliases(db, url, article.get("aliases") or [])
    return outcome, article_id


#: A body at least this long counts as present in a run's coverage: a body cut down to a
#: caption or a teaser by a template change is shorter.
SUBSTANTIAL_BODY_CHARS = 200


def extracted_fields(article: dict) -> dict[str, bool]:
    """Which fields the page's extraction found, as ``run_articles`` records them. The date
    is the page's own: dates from neighbour links are only known once the run is over."""
    rels = {link["rel"] for link in article.get("neighbours") or []}
    return {
        "title": bool(article.get("title")),
        "own_date": bool(article.get("published")),
        "body": len(article.get("body") or "") >= SUBSTANTIAL_BODY_CHARS,
        "disclaimer": bool(article.get("disclaimer")),
        "references": bool(article.get("references") or article.get("dois")),
        "category": bool(article.get("category")),
        "prev": "prev" in rels,
        "next": "next" in rels,
        **{name: bool(article.get(name)) for name in METADATA_COVERAGE},
    }


_EXTRACTED_FIELDS = tuple(extracted_fields({"title": ""}))
_RECORD_EXTRACTED_FIELDS = (
    f"insert or replace into run_articles (run_id, url, site, {', '.join(f'[{name}]' for name in _EXTRACTED_FIELDS)})"
    f" values (?, ?, ?, {', '.join('?' * len(_EXTRACTED_FIELDS))})"
)


def _record_extracted_fields(db, run_id: int, article: dict) -> None:
    found = extracted_fields(article)
    db.conn.execute(_RECORD_EXTRACTED_FIELDS, [run_id, article["url"], article["site"], *map(int, found.values())])


#: Fields a re-fetch may lose (a template change hides them from extraction), each with the
#: ``articles`` columns it fills (references live in their own tables) and a test of whether
#: the stored article has it.
KEPT_ON_LOSS = {
    "date": ((), "published_source is not null and published_source != 'neighbour'"),
    "disclaimer": (("disclaimer",), "disclaimer is not null and disclaimer != ''"),
    "category": (("category", "category_group", "breadcrumb"), "category is not null and category != ''"),
    "references": ((), "exists (select 1 from article_references r where r.article_url = articles.url)"
                       " or exists (select 1 from article_dois d where d.article_url = articles.url)"),
    "authors": (("authors",), "authors is not null"),
    "source": (("source", "source_url"), "source is not null"),
}
#: The item fields whose absence means the page lost the field.
_LOSS_EVIDENCE = {
    "date": ("published_raw",),
    "disclaimer": ("disclaimer",),
    "category": ("category",),
    "references": ("references", "dois"),
    "authors": ("authors",),
    "source": ("source",),
}


def _keep_lost_fields(db, url: str, article: dict, row: dict, run_id: int | None) -> set[str]:
    """Fields the stored article has and the re-fetched page lacks: they keep their stored
    values (taken out of ``row``) and are flagged in ``field_losses`` with the run that lost
    them, so that a drifted run loses nothing and ``reextract`` with a fixed rule fills them
    from the kept page. Fields the page has again lose their flag. Returns the lost fields."""
    given = [name for name in KEPT_ON_LOSS if any(article.get(key) for key in _LOSS_EVIDENCE[name])]
    if given:
        db.conn.execute(
            f"delete from field_losses where url = ? and field in ({', '.join('?' * len(given))})", [url, *given])
    missing = [name for name in KEPT_ON_LOSS if name not in given]
    if not missing:
        return set()
    stored = db.execute(
        f"select {', '.join(f'({KEPT_ON_LOSS[name][1]})' for name in missing)} from articles where url = ?", [url]).fetchone()
    lost = {name for name, has_it in zip(missing, stored) if has_it}
    for name in lost:
        for column in KEPT_ON_LOSS[name][0]:
            row.pop(column, None)
    db.conn.executemany(
        "insert into field_losses (url, field, since_run, last_run) values (?, ?, ?, ?)"
        " on conflict (url, field) do update set last_run = excluded.last_run",
        [(url, name, run_id, run_id) for name in sorted(lost)],
    )
    return lost


#: Tables holding rows that belong to an article, and the column naming it.
ARTICLE_CHILD_TABLES = {
    "article_references": "article_url",
    "article_dois": "article_url",
    "article_pmids": "article_url",
    "article_pmcids": "article_url",
    "article_trials": "article_url",
    "article_images": "article_url",
    "links": "from_url",
    "aliases": "article_url",
    "article_versions": "url",
    "pages": "url",
    "article_pages": "url",
    "page_revisits": "url",
    "field_losses": "url",
}


def delete_articles(db, urls) -> int:
    """Remove the articles ``urls`` and everything stored with them, in one transaction
    (a page taken down for legal reasons, a misparse); returns how many were removed."""
    urls = list(urls)
    with db.atomic():
        ids = [row[0] for url in urls for row in db.execute("select id from articles where url = ?", [url])]
        stories.forget(db, ids)
        for url in urls:
            for table, column in ARTICLE_CHILD_TABLES.items():
                db.execute(f"delete from {table} where {column} = ?", [url])
            db.execute("delete from articles where url = ?", [url])
        search_index.remove_articles(db, ids)
    return len(ids)


def _keep_previous_version(db, url: str, replaced: str) -> None:
    """Copy the article's stored content into ``article_versions`` before it is overwritten."""
    db.execute(
        """
        insert into article_versions (url, version, title, category, published, published_raw, body, body_html,
                                      disclaimer, content_hash, first_stored, replaced)
        select url, (select coalesce(max(version), 0) + 1 from article_versions where url = :url),
               title, category, published, published_raw, body, body_html, disclaimer, content_hash,
               last_changed, :replaced
        from articles where url = :url
        """,
        {"url": url, "replaced": replaced},
    )


def _write_page(db, url: str, article: dict, fetched_at: str) -> None:
    """Keep the page as fetched (compressed), so fields can be re-extracted without crawling;
    with the later pages of an article split over pages (``continued_pages``)."""
    if article.get("raw_body") is None:
        return
    # Revisits of the page replaced: its bytes are gone, so they would refer to nothing.
    db.conn.execute("delete from page_revisits where url = ?", [url])
    db.conn.execute("delete from article_pages where url = ?", [url])
    db.conn.executemany(
        "insert into article_pages (url, number, fetched_url, status, headers, body, fetched_at, exchange)"
        " values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (url, page["number"], page["fetched_url"], page["status"], json.dumps(page["headers"] or {}, ensure_ascii=False),
             zlib.compress(page["body"], 6), fetched_at, _exchange(page))
            for page in article.get("continued_pages") or []
        ],
    )
    db.conn.execute(
        """
        insert or replace into pages (url, fetched_url, status, headers, body, fetched_at, exchange) values (?, ?, ?, ?, ?, ?, ?)
        """,
        [
            url,
            article.get("fetched_url"),
            article.get("http_status"),
            json.dumps(article.get("raw_headers") or {}, ensure_ascii=False),
            zlib.compress(article["raw_body"], 6),
            fetched_at,
            _exchange(article),
        ],
    )


def _exchange(page: dict) -> str | None:
    """The page's HTTP exchange as stored (JSON), None when it is not known."""
    return json.dumps(page["exchange"], ensure_ascii=False) if page.get("exchange") else None


def _same_page(db, url: str, article: dict) -> bool:
    """Whether the article's page (and its later pages) as fetched now are the bytes kept."""
    if article.get("raw_body") is None or article.get("continued_pages"):
        return False
    kept = db.conn.execute("select body from pages where url = ?", [url]).fetchone()
    return kept is not None and zlib.decompress(kept[0]) == article["raw_body"]


def _record_revisits(db, revisits) -> None:
    """Keep each later fetch of a kept page that found it as kept (``url``, ``fetched_at``,
    ``status``, ``exchange``); none at the kept page's own fetch time, none for a page not kept."""
    if not revisits:
        return
    db.conn.executemany(
        "insert or replace into page_revisits (url, fetched_at, status, exchange)"
        " select :url, :fetched_at, :status, :exchange from pages where url = :url and fetched_at != :fetched_at",
        [{**revisit, "exchange": _exchange(revisit)} for revisit in revisits],
    )


def _keep_unextracted(db, pages, fetched_at: str) -> None:
    """Keep pages whose extraction failed, compressed, for ``reextract`` to try again."""
    db.conn.executemany(
        "insert or replace into unextracted_pages (url, fetched_url, status, headers, body, fetched_at, reason)"
        " values (?, ?, ?, ?, ?, ?, ?)",
        [
            (url, page["fetched_url"], page["status"], json.dumps(page["headers"] or {}, ensure_ascii=False),
             zlib.compress(page["body"], 6), fetched_at, reason)
            for url, reason, page in pages
        ],
    )


def _record_gaps(db, gaps, run_id) -> None:
    now = utc_now()
    for gap in gaps:
        db.execute(
            """
            insert into gaps (from_url, rel, to_url, status, reason, first_seen, last_seen, run_id)
            values (:from_url, :rel, :to_url, :status, :reason, :now, :now, :run_id)
            on conflict (from_url, rel) do update set
                to_url = excluded.to_url, status = excluded.status, reason = excluded.reason,
                last_seen = excluded.last_seen, run_id = excluded.run_id
            """,
            {**gap, "now": now, "run_id": run_id},
        )


def _write_references(db, url: str, article: dict) -> None:
    for table in ("article_references", "article_dois", "article_pmids", "article_pmcids"):
        db.conn.execute(f"delete from {table} where article_url = ?", [url])
    db.conn.executemany(
        "insert into article_references (article_url, position, text, doi, pmid, pmcid) values (?, ?, ?, ?, ?, ?)",
        [(url, e["position"], e["text"], e.get("doi"), e.get("pmid"), e.get("pmcid")) for e in article.get("references") or []],
    )
    db.conn.executemany(
        "insert or ignore into article_dois (article_url, doi, prefix) values (?, ?, ?)",
        [(url, doi, doi.split("/", 1)[0]) for doi in article.get("dois") or []],
    )
    for scheme in ("pmid", "pmcid"):
        db.conn.executemany(
            f"insert or ignore into article_{scheme}s (article_url, {scheme}) values (?, ?)",
            [(url, value) for value in article.get(f"{scheme}s") or []],
        )


def _write_trials(db, url: str, article: dict) -> None:
    db.conn.execute("delete from article_trials where article_url = ?", [url])
    db.conn.executemany(
        "insert or ignore into article_trials (article_url, registry, trial_id) values (?, ?, ?)",
        [(url, trial["registry"], trial["trial_id"]) for trial in article.get("trials") or []],
    )


def _write_images(db, url: str, article: dict) -> None:
    """The article's images in body order, numbered from 1 (the lead image)."""
    db.conn.execute("delete from article_images where article_url = ?", [url])
    db.conn.executemany(
        "insert into article_images (article_url, position, url, alt, caption) values (?, ?, ?, ?, ?)",
        [(url, position, image["url"], image.get("alt") or None, image.get("caption") or None)
         for position, image in enumerate(article.get("images") or [], 1)],
    )


def _write_links(db, url: str, neighbours: list[dict]) -> None:
    db.conn.execute("delete from links where from_url = ?", [url])
    db.conn.executemany(
        "insert or replace into links (from_url, rel, to_url, to_title, date_raw, date) values (?, ?, ?, ?, ?, ?)",
        [(url, link["rel"], link.get("url"), link.get("title"), link.get("date_raw"), link.get("date")) for link in neighbours],
    )


def _write_aliases(db, url: str, aliases: list[str]) -> None:
    db.conn.executemany(_UPSERT_ALIAS, [(alias, url) for alias in aliases if alias != url])


_UPSERT_ALIAS = (
    "insert into aliases (alias_url, article_url) values (?, ?)"
    " on conflict (alias_url) do update set article_url = excluded.article_url"
)


def _update_row(db, url: str, values: dict) -> None:
    db.conn.execute(f"update articles set {', '.join(f'{name} = ?' for name in values)} where url = ?", [*values.values(), url])


def _touched_urls(articles, aliases) -> set[str]:
    """Articles whose neighbour date a batch may change: its own, those its links name, aliased ones."""
    urls = {article["url"] for article in articles} | {article_url for _, article_url in aliases}
    urls |= {link["url"] for article in articles for link in article.get("neighbours") or [] if link.get("url")}
    return urls


def resolve_neighbour_dates(db, urls=None) -> int:
    """Give articles without a date of its own the date its neighbours show beside their links
    to it: all of them, or those among ``urls``. Returns how many articles changed."""
    where, params = "", []
    if urls is not None:
        where = "and (target in (select value from json_each(?)) or links.to_url in (select value from json_each(?)))"
        params = [json.dumps(sorted(urls))] * 2
    rows = db.execute(
        f"""
        select coalesce(aliases.article_url, links.to_url) as target, links.date, links.date_raw
        from links left join aliases on aliases.alias_url = links.to_url
        where links.date is not null {where}
        order by length(links.date) desc, links.date
        """,
        params,
    ).fetchall()
    candidates = {}
    for target, date, raw in rows:
        candidates.setdefault(target, Counter())[(date, raw)] += 1
    changed = 0
    for target, votes in candidates.items():
        (date, raw), _ = votes.most_common(1)[0]
        cursor = db.execute(
            """
            update articles set published = ?, published_raw = ?, published_source = 'neighbour', year = ?
            where url = ? and (published_source is null or published_source = 'neighbour')
              and (published is not ? or published_raw is not ?)
            """,
            [date, raw, _year(date), target, date, raw],
        )
        changed += cursor.rowcount
    return changed


def _year(iso: str | None) -> int | None:
    return int(iso[:4]) if iso else None
