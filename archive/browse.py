"""One archived article as a reader sees it, and the small rewrites reading needs.

:func:`article_page` gathers what the article page of :mod:`archive.datasette_plugin`
shows from one SQLite connection: the article, its reference list, how many earlier
versions it has, and its prev/next neighbours resolved to archived articles (through
``aliases``, since a page may link to a shortlink). :func:`images_as_links` keeps
reading from contacting the portal, :func:`doi_from_input` reads a DOI as people paste it.
"""

import html
import json
import re
import unicodedata
from urllib.parse import quote, unquote

from .schema import article_columns, has_table, sortable_dates

#: An ``<img>`` in HTML already sanitised by nh3, which always double-quotes attributes.
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = r'\b{}="([^"]*)"'
#: What a DOI may be pasted with: a doi.org link (any scheme, ``dx.``) or a ``doi:``/``DOI：`` label.
_DOI_INPUT_PREFIX = re.compile(r"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi\s*[:：]\s*)", re.IGNORECASE)


def images_as_links(sanitised_html: str) -> str:
    """``sanitised_html`` with each image replaced by a link to it (``[图片 image: alt]``), so
    showing an article loads nothing from its portal; following the link is the reader's choice.
    Expects nh3's output (quoted attributes, entities escaped), which it keeps escaped."""

    def link(match):
        tag = match.group()
        src = re.search(_ATTRIBUTE.format("src"), tag)
        alt = re.search(_ATTRIBUTE.format("alt"), tag)
        label = f"[图片 image{': ' + alt.group(1) if alt and alt.group(1) else ''}]"
        if not src or not src.group(1):
            return label
        return f'<a class="medarchive-image" href="{src.group(1)}" rel="noreferrer">{label}</a>'

    return _IMG.sub(link, sanitised_html)


def doi_from_input(text: str | None) -> str | None:
    """A DOI as typed or pasted (``10.1177/X``, ``doi:10.1177/X``, ``DOI：10.1177/X``,
    ``https://doi.org/10.1177/X``, percent-encoded) in the archive's form: lowercase, bare."""
    if text is None:
        return None
    doi = _DOI_INPUT_PREFIX.sub("", unquote(text).strip()).strip()
    return doi.lower() or None


#: Dashes a trial number may be typed with; the archive stores "-".
_TRIAL_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212\ufe63", "-"))


def trial_from_input(text: str | None) -> str | None:
    """A trial number as typed or pasted (any case, full-width, a space after ``NCT``, en
    dashes) in upper case, to compare with ``upper(trial_id)``."""
    if text is None:
        return None
    typed = unicodedata.normalize("NFKC", text).translate(_TRIAL_DASHES)
    return "".join(typed.split()).upper() or None


def doi_links(doi: str, citing_url: str) -> str:
    """HTML: ``doi`` linked to the paper at doi.org, and to the archive's articles citing it."""
    shown = html.escape(doi)
    return (
        f'<a href="https://doi.org/{html.escape(doi, quote=True)}" rel="noreferrer">{shown}</a>'
        f' <a class="medarchive-citing" href="{html.escape(citing_url, quote=True)}">(citing articles)</a>'
    )


#: Where each trial registry shows a registration, by its canonical number (the registries of
#: :mod:`crawler.extraction.trials`).
TRIAL_REGISTRY_URLS = {
    "ClinicalTrials.gov": "https://clinicaltrials.gov/study/{}",
    "ChiCTR": "https://www.chictr.org.cn/searchproj.html?regno={}",
    "ISRCTN": "https://www.isrctn.com/{}",
    "ANZCTR": "https://www.anzctr.org.au/{}.aspx",
    "jRCT": "https://jrct.niph.go.jp/latest-detail/{}",
    "EudraCT": "https://www.clinicaltrialsregister.eu/ctr-search/search?query={}",
    "CTIS": "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={}",
}


def trial_url(registry: str, trial_id: str) -> str | None:
    """The registry's page of the trial ``trial_id``, or None for a registry it does not know."""
    template = TRIAL_REGISTRY_URLS.get(registry)
    return template.format(quote(trial_id, safe="")) if template else None


def _dicts(cursor) -> list[dict]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


_TRIALS_SQL = "select registry, trial_id from article_trials where article_url = ? order by registry, trial_id"


#: The columns of the article page, beside its date (``published_at``).
ARTICLE_COLUMNS = "url, id, site, title, category, published_raw, body, body_html, disclaimer"


#: What the page says of the article beyond its text (m023), when its archive has it.
METADATA_COLUMNS = ("authors", "editor", "source", "source_url", "modified", "modified_raw", "description", "keywords", "language")
_IMAGES_SQL = "select position, url, alt, caption from article_images where article_url = ? order by position"


def _metadata_columns(conn) -> str:
    """SQL selecting :data:`METADATA_COLUMNS`: NULL on an archive from before m023 read as it is."""
    stored = article_columns(conn)
    return ", ".join(name if name in stored else f"null as {name}" for name in METADATA_COLUMNS)


#: An article's reference list ...
REFERENCES = "select position, text, doi from article_references where article_url = ? order by position"
#: ... with the title, journal and year of each DOI ``enrich`` resolved.
REFERENCES_WITH_WORKS = (
    "select r.position, r.text, r.doi, w.title as work_title, w.container_title as work_journal, w.year as work_year"
    " from article_references r left join work_lookups l on l.scheme = 'doi' and l.identifier = r.doi and l.status = 'resolved'"
    " left join works w on w.id = l.work_id where r.article_url = ? order by r.position"
)


def article_page(conn, url: str) -> dict | None:
    """The article at ``url`` (canonical, or any alias of it) with ``references`` (with the
    title, journal and year of each DOI's work once ``enrich`` resolved it), ``trials``
    (``registry``, ``trial_id`` and its registry's ``url``), ``versions`` (count of earlier
    versions), ``neighbours`` (``rel``, ``title``, ``url``
    and ``archived``: whether the archive holds it), its metadata (:data:`METADATA_COLUMNS`,
    ``authors`` and ``keywords`` as lists) and ``images`` (``position``, ``url``, ``alt``,
    ``caption``), or None when the archive has no such article."""
    published_at = sortable_dates(conn)["published_at"]
    found = _dicts(conn.execute(
        f"select {ARTICLE_COLUMNS}, {_metadata_columns(conn)}, {published_at} as published_at from articles"
        " where url = coalesce((select article_url from aliases where alias_url = ?), ?)",
        [url, url],
    ))
    if not found:
        return None
    article = found[0]
    for name in ("authors", "keywords"):
        article[name] = json.loads(article[name]) if article[name] else []
    article["images"] = _dicts(conn.execute(_IMAGES_SQL, [article["url"]])) if has_table(conn, "article_images") else []
    article["references"] = _dicts(conn.execute(REFERENCES_WITH_WORKS if has_table(conn, "works") else REFERENCES, [article["url"]]))
    article["trials"] = [
        {**trial, "url": trial_url(trial["registry"], trial["trial_id"])}
        for trial in _dicts(conn.execute(_TRIALS_SQL, [article["url"]]))
    ] if has_table(conn, "article_trials") else []
    article["versions"] = conn.execute("select count(*) from article_versions where url = ?", [article["url"]]).fetchone()[0]
    article["neighbours"] = _dicts(conn.execute(
        """
        select l.rel, coalesce(a.title, l.to_title) as title, coalesce(a.url, l.to_url) as url, a.url is not null as archived
        from links l
        left join articles a on a.url = coalesce((select article_url from aliases where alias_url = l.to_url), l.to_url)
        where l.from_url = ? and l.to_url is not null
        order by l.rel desc
        """,
        [article["url"]],
    ))
    return article
