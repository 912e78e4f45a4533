"""What an incremental crawl reads of the archive before its first request (archive.state)."""

from conftest import written_archive

from archive.state import KnownArticle, load_state

BUSY = "https://busy.example"
QUIET = "https://quiet.example"
UNDATED = "https://undated.example"


def article(site, n, published=None, **fields):
    return {
        "url": f"{site}/a/{n}.html",
        "site": site,
        "title": f"文章 {n}",
        "body": "干细胞治疗哮喘的研究进展。",
        "published": published,
        "published_raw": published,
        "neighbours": [],
        "aliases": [],
        **fields,
    }


def archive(tmp_path):
    """A busy site with a year of articles, a quiet one whose newest are years older, and a
    site that never dates its articles; links to an archived page, an alias and a new page."""
    articles = [article(BUSY, n, f"2025-{n:02d}-01", etag=f'"busy-{n}"') for n in range(1, 13)]
    articles += [article(QUIET, n, f"2019-0{n}-01", last_modified=f"Mon, 0{n} Jan 2019 00:00:00 GMT") for n in range(1, 4)]
    articles += [article(UNDATED, n) for n in range(1, 4)]
    articles[0]["aliases"] = [f"{BUSY}/?p=1"]
    articles[1]["neighbours"] = [
        {"rel": "prev", "url": f"{BUSY}/?p=1", "title": "别名", "date_raw": None, "date": None},
        {"rel": "next", "url": f"{BUSY}/a/3.html", "title": "已存", "date_raw": None, "date": None},
    ]
    articles[-1]["neighbours"] = [{"rel": "next", "url": f"{UNDATED}/a/4.html", "title": "未存", "date_raw": None, "date": None}]
    return written_archive(tmp_path, articles)


def test_the_newest_of_each_site_come_dated_first_then_undated_by_id(tmp_path):
    state = load_state(archive(tmp_path), 2)
    assert state.newest == {
        BUSY: [f"{BUSY}/a/12.html", f"{BUSY}/a/11.html"],
        QUIET: [f"{QUIET}/a/3.html", f"{QUIET}/a/2.html"],
        UNDATED: [f"{UNDATED}/a/3.html", f"{UNDATED}/a/2.html"],
    }


def test_the_frontier_holds_only_links_to_pages_never_archived(tmp_path):
    state = load_state(archive(tmp_path), 2)
    assert state.frontier == [(f"{UNDATED}/a/4.html", f"{UNDATED}/a/3.html", "next")]


def test_validators_come_for_the_newest_and_the_start_urls_through_their_aliases(tmp_path):
    state = load_state(archive(tmp_path), 1, recheck=[f"{BUSY}/?p=1"])
    assert state.article(f"{BUSY}/?p=1") == KnownArticle(f"{BUSY}/a/1.html", '"busy-1"', None)
    assert state.article(f"{QUIET}/a/3.html") == KnownArticle(f"{QUIET}/a/3.html", None, "Mon, 03 Jan 2019 00:00:00 GMT")
    # an article the run does not ask again is known, without validators
    assert state.article(f"{BUSY}/a/5.html") == KnownArticle(f"{BUSY}/a/5.html")


def test_every_archived_url_and_alias_is_known_and_nothing_else(tmp_path):
    state = load_state(archive(tmp_path), 1)
    assert len(state.articles) == 18
    assert state.is_known(f"{BUSY}/?p=1") and state.is_known(f"{QUIET}/a/1.html")
    assert not state.is_known(f"{UNDATED}/a/4.html")


def test_no_archive_yet_is_an_empty_state(tmp_path):
    state = load_state(tmp_path / "absent.db", 5)
    assert (state.articles, state.newest, state.frontier) == (set(), {}, [])


def test_a_crawl_of_some_sites_reads_only_what_lies_on_them_under_either_scheme(tmp_path):
    path = archive(tmp_path)
    state = load_state(path, 1, sites={"http://quiet.example", UNDATED})
    assert state.articles == {f"{site}/a/{n}.html" for site in (QUIET, UNDATED) for n in range(1, 4)}
    assert state.newest == {UNDATED: [f"{UNDATED}/a/3.html"]}
    assert state.frontier == [(f"{UNDATED}/a/4.html", f"{UNDATED}/a/3.html", "next")]
    assert not state.is_known(f"{BUSY}/?p=1") and not state.aliases
