"""`medarchive enrich` against a local replica of Crossref and NCBI (tests/scholarly_apis.py):
what it stores, what it asks, how politely, and what it does when a source fails."""

import json
import os
import re
import signal
import socket
import sqlite3

import pytest

from enrichment import limits
from scholarly_apis import Paper, Raw, ScholarlyApis, ServedApis

from conftest import medarchive_in_process, written_archive

#: The paper an article cites by DOI and by PMID, with a PMCID it never names.
TRIAL = Paper("Stem cells for knee osteoarthritis: a randomised trial", "The Lancet", (2024, 3, 5),
              [("Wei", "Zhang"), ("Anna", "Smith")], doi="10.1016/s0140-6736(24)00001-1", pmid="38000001", pmcid="PMC10900001")
#: Only in PubMed: no DOI.
PUBMED_ONLY = Paper("哮喘患者的干细胞治疗", "中华医学杂志", (2023, 11, 20), [("Li", "Wang")], pmid="37000002")
#: Cited by its PMCID only; the converter links it to a PMID and a DOI Crossref knows.
PMC_ONLY = Paper("Mesenchymal cells in COPD", "BMJ", (2022, 1, 9), [("Ming", "Chen")],
                 doi="10.1136/bmj-2021-000003", pmid="35000003", pmcid="PMC9000003")
CATALOGUE = [TRIAL, PUBMED_ONLY, PMC_ONLY]


def article(url, published, dois=(), pmids=(), pmcids=()):
    return {"url": url, "site": "https://site.example", "title": f"标题 {url[-2:]}", "body": "干细胞治疗。",
            "published": published, "published_raw": published, "published_source": "meta",
            "dois": list(dois), "pmids": list(pmids), "pmcids": list(pmcids), "neighbours": [], "aliases": [],
            "references": [{"position": i, "text": f"参考文献 {doi}", "doi": doi} for i, doi in enumerate(dois, 1)]}


ARTICLES = [
    article("https://site.example/a1", "2024-04-04", dois=[TRIAL.doi, "10.9999/not-registered"], pmids=[TRIAL.pmid]),
    article("https://site.example/a2", "2024-01-20", pmids=[PUBMED_ONLY.pmid, "39999999"], pmcids=[PMC_ONLY.pmcid]),
    article("https://site.example/a3", "2025-03-05", dois=[TRIAL.doi]),
]


@pytest.fixture
def apis():
    with ServedApis(ScholarlyApis([*CATALOGUE])) as served:
        yield served


@pytest.fixture
def archive(tmp_path):
    return written_archive(tmp_path, ARTICLES)


@pytest.fixture(autouse=True)
def short_backoff(monkeypatch):
    """Retries without a Retry-After wait 50 ms here, not seconds."""
    monkeypatch.setattr(limits, "BACKOFF", 0.05)


def enrich(archive, apis, *args):
    return medarchive_in_process("enrich", "--db", str(archive), "--mailto", "archive@example.org", *apis.options(), *args)


def rows(archive, sql, *params):
    with sqlite3.connect(archive) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql, params)]


def test_resolves_each_cited_work_once_with_its_identifiers_cross_linked(archive, apis):
    result = enrich(archive, apis)
    assert result.returncode == 0, result.stderr
    works = {w["title"]: w for w in rows(archive, "select * from works")}
    assert sorted(works) == sorted([TRIAL.title, PUBMED_ONLY.title, PMC_ONLY.title])
    trial = works[TRIAL.title]
    assert (trial["doi"], trial["pmid"], trial["pmcid"]) == (TRIAL.doi, TRIAL.pmid, TRIAL.pmcid)
    assert (trial["container_title"], trial["publisher"], trial["type"], trial["source"]) == ("The Lancet", "Elsevier BV", "journal-article", "crossref")
    assert (trial["issued"], trial["year"], trial["volume"], trial["issue"], trial["pages"]) == ("2024-03-05", 2024, "12", "3", "101-109")
    assert json.loads(trial["authors"]) == ["Zhang, Wei", "Smith, Anna"]
    pubmed = works[PUBMED_ONLY.title]  # without the full stop PubMed ends titles with
    assert (pubmed["doi"], pubmed["pmid"], pubmed["source"], pubmed["container_title"], pubmed["issued"]) == (
        None, PUBMED_ONLY.pmid, "pubmed", "中华医学杂志", "2023-11-20")
    assert json.loads(pubmed["authors"]) == ["Wang, L"]  # PubMed's "Wang L", family first as Crossref's
    pmc = works[PMC_ONLY.title]
    assert (pmc["doi"], pmc["pmid"], pmc["pmcid"], pmc["source"]) == (PMC_ONLY.doi, PMC_ONLY.pmid, PMC_ONLY.pmcid, "crossref")
    lookups = {(r["scheme"], r["identifier"]): r for r in rows(archive, "select * from work_lookups")}
    # The DOI and the PMID of the trial, cited by one article, are one work, asked about once.
    assert lookups["doi", TRIAL.doi]["work_id"] == lookups["pmid", TRIAL.pmid]["work_id"] == trial["id"]
    assert {key: r["status"] for key, r in lookups.items()} == {
        ("doi", TRIAL.doi): "resolved", ("pmid", TRIAL.pmid): "resolved", ("doi", "10.9999/not-registered"): "unknown",
        ("pmid", PUBMED_ONLY.pmid): "resolved", ("pmid", "39999999"): "unknown", ("pmcid", PMC_ONLY.pmcid): "resolved",
    }
    assert len(apis.apis.asked("crossref")) == 3  # two DOIs cited, one found through the PMCID
    assert result.stdout.startswith("6 identifiers looked up: 4 resolved, 2 unknown, 0 failed")


def test_a_second_run_asks_nothing(archive, apis):
    assert enrich(archive, apis).returncode == 0
    before = len(apis.apis.requests)
    second = enrich(archive, apis)
    assert second.returncode == 0
    assert len(apis.apis.requests) == before
    assert second.stdout.startswith("0 identifiers looked up")


def test_an_unknown_identifier_is_asked_again_only_once_its_retry_time_has_come(archive, apis):
    assert enrich(archive, apis, "--retry-unknown-after", "0").returncode == 0
    apis.apis.papers.append(Paper("Registered late", "JAMA", (2024, 2, 1), [("Jo", "Lee")], doi="10.9999/not-registered"))
    apis.apis.requests.clear()
    assert enrich(archive, apis, "--retry-unknown-after", "30").returncode == 0
    asked = [r.path for r in apis.apis.asked("crossref")]
    assert asked == ["works/10.9999/not-registered"]
    late = rows(archive, "select * from work_lookups where identifier = '10.9999/not-registered'")[0]
    assert (late["status"], late["attempts"]) == ("resolved", 2)
    still = rows(archive, "select * from work_lookups where identifier = '39999999'")[0]
    assert (still["status"], still["attempts"]) == ("unknown", 2)
    assert still["retry_after"][:10] > still["last_tried"][:10]  # 30 days on
    apis.apis.requests.clear()
    assert enrich(archive, apis).returncode == 0
    assert apis.apis.requests == []


def test_a_429_is_retried_after_the_seconds_its_retry_after_names(archive, apis):
    apis.apis.refuse("crossref", 429, retry_after="1")
    result = enrich(archive, apis)
    assert result.returncode == 0, result.stderr
    refused, retried = apis.apis.asked("crossref")[:2]
    assert refused.path == retried.path
    # Not sooner than asked (a bound a busy machine cannot break: it only delays the retry).
    assert retried.at - refused.at >= 1.0
    assert len(rows(archive, "select * from works")) == 3


def test_the_mailto_goes_in_the_user_agent_and_ncbi_is_told_who_asks(archive, apis):
    enrich(archive, apis)
    assert {r.user_agent for r in apis.apis.requests} == {f"medarchive/{_version()} (mailto:archive@example.org)"}
    for request in apis.apis.asked("idconv") + apis.apis.asked("eutils"):
        assert (request.query["tool"], request.query["email"]) == ("medarchive", "archive@example.org")


def _version():
    from importlib.metadata import version

    return version("medarchive")


def test_requests_keep_to_the_rate_crossref_announces_and_to_ncbis_three_a_second(tmp_path, apis):
    papers = [Paper(f"Paper {i}", "BMJ", (2020, 1, 1), [("A", "B")], doi=f"10.1136/p{i}", pmid=str(31000000 + i)) for i in range(9)]
    apis.apis.papers.extend(papers)
    apis.apis.rate_limit = (4, "1s")
    archive = written_archive(tmp_path, [article("https://site.example/many", "2024-01-01", dois=[p.doi for p in papers[:6]],
                                                 pmids=[p.pmid for p in papers[6:]], pmcids=["PMC1", "PMC2"])])
    assert enrich(archive, apis).returncode == 0
    crossref = [r.at for r in apis.apis.asked("crossref")]
    ncbi = sorted(r.at for r in apis.apis.asked("idconv") + apis.apis.asked("eutils"))
    # The first answer announces 4/s; from the second request on, the pace keeps to it. (Rates
    # over the run, not single gaps: a busy machine delays one arrival and shortens the next gap.)
    assert len(crossref) == 9 and (len(crossref) - 2) / (crossref[-1] - crossref[1]) <= 4.0
    assert len(ncbi) == 3 and (len(ncbi) - 1) / (ncbi[-1] - ncbi[0]) <= 3.0


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_source_that_is_down_is_named_in_one_line_and_its_lookups_wait_for_the_next_run(archive, apis):
    down = f"http://127.0.0.1:{_closed_port()}/"
    result = medarchive_in_process("enrich", "--db", str(archive), *apis.options(), "--crossref-url", down)
    assert result.returncode == 6
    assert "Traceback" not in result.stderr
    assert f"Error: Crossref at {down} did not answer usefully" in result.stderr
    assert "lookups are left for the next run" in result.stderr
    statuses = {(r["scheme"], r["identifier"]): r["status"] for r in rows(archive, "select * from work_lookups")}
    assert statuses[("doi", "10.9999/not-registered")] == "failed"
    # PubMed described what it could: the trial too, whose PMID the ID converter gave.
    assert statuses[("pmid", PUBMED_ONLY.pmid)] == statuses[("doi", TRIAL.doi)] == "resolved"
    assert rows(archive, "select source from works where doi = ?", TRIAL.doi) == [{"source": "pubmed"}]
    again = enrich(archive, apis)
    assert again.returncode == 0, again.stderr
    assert {r["status"] for r in rows(archive, "select * from work_lookups where status = 'failed'")} == set()
    assert len(rows(archive, "select * from works")) == 3


def test_a_source_answering_503_is_tried_four_times_then_left_alone_for_the_run(archive, apis):
    apis.apis.failing.add("eutils")
    result = enrich(archive, apis)
    assert result.returncode == 6
    assert len(apis.apis.asked("eutils")) == limits.ATTEMPTS
    assert "NCBI E-utilities" in result.stderr and "HTTP 503" in result.stderr


def test_an_answer_that_is_not_json_is_retried_then_named(archive, apis):
    apis.apis.garbling.add("idconv")
    result = enrich(archive, apis)
    assert result.returncode == 6 and "Traceback" not in result.stderr
    assert "Error: NCBI ID converter at" in result.stderr and "(an answer that is not JSON)" in result.stderr
    # Only the PMCID needed the converter; the rest was described all the same.
    statuses = {(r["scheme"], r["identifier"]): r["status"] for r in rows(archive, "select * from work_lookups")}
    assert statuses.pop(("pmcid", PMC_ONLY.pmcid)) == "failed"
    assert set(statuses.values()) == {"resolved", "unknown"}


def test_ctrl_c_keeps_the_batches_already_written(archive, apis, monkeypatch):
    from enrichment import enrich as enrichment

    monkeypatch.setattr(enrichment, "BATCH", 2)
    # The replica interrupts this process (a real SIGINT, as Ctrl-C sends) at the third DOI asked of Crossref.
    apis.apis.on_request = lambda request: len(apis.apis.asked("crossref")) == 3 and os.kill(os.getpid(), signal.SIGINT)
    result = enrich(archive, apis)
    assert result.returncode == 1
    assert "interrupted: the" in result.stderr and "run again to go on" in result.stderr
    kept = rows(archive, "select scheme, identifier, status from work_lookups")
    assert 2 <= len(kept) < 6
    apis.apis.on_request = None
    assert enrich(archive, apis).returncode == 0
    assert len(rows(archive, "select * from work_lookups")) == 6


def canned(name):
    path = os.path.join(os.path.dirname(__file__), "..", "archive", "metadata.json")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["databases"]["archive"]["queries"][name]["sql"]


def test_the_journals_and_the_lag_from_paper_to_news_are_charted_and_queried(archive, apis):
    from archive import stats

    with sqlite3.connect(archive) as conn:
        assert "No work resolved yet" in stats.chart_svg(conn, "works_journals")
    assert enrich(archive, apis).returncode == 0
    with sqlite3.connect(archive) as conn:
        # The trial is cited by two articles (by DOI, and by DOI and PMID), each counted once.
        assert conn.execute(canned("most_cited_journals")).fetchall() == [("The Lancet", 2, 1), ("BMJ", 1, 1), ("中华医学杂志", 1, 1)]
        journals = stats.chart_svg(conn, "works_journals")
        # Days: a1 30 after the trial, a3 365; a2 61 after the PubMed-only paper and 741 after the PMC one.
        assert conn.execute(canned("publication_lag")).fetchall() == [("2025", 1, 365.0, 365.0, 365.0), ("2024", 3, 61.0, 30.0, 741.0)]
        lag = stats.chart_svg(conn, "publication_lag")
    assert journals.index("The Lancet") < journals.index("BMJ")
    assert "<title>0-30 d: 1</title>" in lag and "<title>31-90 d: 1</title>" in lag and "<title>2-5 y: 1</title>" in lag
    assert ">2024: 61<" in lag and ">2025: 365<" in lag


def test_each_journal_bar_links_to_the_journals_works(archive, apis):
    from archive import stats

    assert enrich(archive, apis).returncode == 0
    with sqlite3.connect(archive) as conn:
        journals = stats.chart_svg(conn, "works_journals", link=lambda table, filters: f"/archive/{table}?container_title={filters['container_title']}")
    assert [href for href in re.findall(r'<a href="([^"]*)"', journals)] == [
        "/archive/works?container_title=The Lancet", "/archive/works?container_title=BMJ", "/archive/works?container_title=中华医学杂志"]


def lookups(archive) -> dict:
    """``(scheme, identifier)`` -> ``(status, message)`` of every lookup recorded."""
    return {(r["scheme"], r["identifier"]): (r["status"], r["message"]) for r in rows(archive, "select * from work_lookups")}


def test_an_answer_about_another_doi_is_refused(tmp_path, apis):
    # A moved paper's old DOI, answered with the work's own DOI, cannot be told from an answer
    # about another paper: a wrong work is worse than none.
    apis.apis.papers.append(Paper("Moved paper", "JAMA", (2021, 6, 1), [("Jo", "Lee")], doi="10.1001/jama.2021.1", alias_dois=("10.1001/old.2021.1",)))
    someone_else = Paper("Someone else's paper", "BMJ", (2020, 1, 1), [("Al", "Bo")], doi="10.9999/someone-else").crossref()
    apis.apis.raw.update({f"10.1000/asked.{i}": Raw.json(someone_else) for i in range(3)})
    cited = ["10.1001/old.2021.1", *(f"10.1000/asked.{i}" for i in range(3)), TRIAL.doi]
    archive = written_archive(tmp_path, [article("https://site.example/b1", "2021-07-01", dois=cited)])
    result = enrich(archive, apis)
    assert result.returncode == 0, result.stderr
    assert rows(archive, "select doi from works") == [{"doi": TRIAL.doi}]
    found = lookups(archive)
    assert found["doi", "10.1000/asked.0"] == ("unusable", "Crossref: the answer is about 10.9999/someone-else, not 10.1000/asked.0")
    assert found["doi", "10.1001/old.2021.1"][0] == "unusable" and "about 10.1001/jama.2021.1" in found["doi", "10.1001/old.2021.1"][1]
    assert "3 unusable" not in result.stdout and "4 unusable" in result.stdout


#: Only Crossref knows it (no PMID): what Crossref answers about it is all there is.
DOI_ONLY = Paper("Exosomes in asthma", "Nature Medicine", (2023, 5, 6), [("Xi", "Li")], doi="10.1038/s41591-023-00001-x")


@pytest.fixture
def cites_doi_only(tmp_path, apis):
    """An archive citing what ``archive`` cites and :data:`DOI_ONLY`, which the replica knows."""
    apis.apis.papers.append(DOI_ONLY)
    return written_archive(tmp_path, [*ARTICLES, article("https://site.example/a4", "2024-05-05", dois=[DOI_ONLY.doi])])


def asked_about(apis, doi: str) -> int:
    return len([r for r in apis.apis.asked("crossref") if doi in r.path])


def nested(depth: int) -> bytes:
    return b'{"status": "ok", "message": ' + b"[" * depth + b"]" * depth + b"}"


#: Answers of the wrong shape for a DOI, each with the reason it is recorded with.
WRONG_SHAPES = {
    "a list instead of an object": (Raw.json([DOI_ONLY.crossref()]), "the answer is a list, not an object"),
    "message a list": (Raw.json({"status": "ok", "message": [DOI_ONLY.crossref()["message"]]}), "its message is a list, not an object"),
    "title a dict": (Raw.json({"message": {**DOI_ONLY.crossref()["message"], "title": {"en": "x"}}}), "title is an object, not a list"),
    "title a number": (Raw.json({"message": {**DOI_ONLY.crossref()["message"], "title": [42]}}), "title is a number, not text"),
    "date parts as strings": (Raw.json({"message": {**DOI_ONLY.crossref()["message"], "issued": {"date-parts": [["2024", "3"]]}}}),
                              "the year of the date is text, not a whole number"),
    "a year of 10^30": (Raw.json({"message": {**DOI_ONLY.crossref()["message"], "issued": {"date-parts": [[10**30]]}}}),
                        "the year of the date, 1000000000000000000000000000000, is not between 1000 and 2999"),
    "authors as strings": (Raw.json({"message": {**DOI_ONLY.crossref()["message"], "author": ["Zhang Wei"]}}), "an author is text, not an object"),
    "a title of 3,000 characters": (Raw.json({"message": {**DOI_ONLY.crossref()["message"], "title": ["x" * 3000]}}),
                                    "title is longer than 2,000 characters"),
    "deeply nested JSON": (Raw(nested(100_000)), "JSON that cannot be read (RecursionError"),
    "a number of 5,000 digits": (Raw(b'{"message": {"DOI": ' + b"7" * 5000 + b"}}"), "JSON that cannot be read (ValueError"),
}


@pytest.mark.parametrize("case", WRONG_SHAPES)
def test_an_answer_of_the_wrong_shape_is_recorded_unusable_and_the_run_goes_on(cites_doi_only, apis, case):
    raw, reason = WRONG_SHAPES[case]
    apis.apis.raw[DOI_ONLY.doi] = raw
    result = enrich(cites_doi_only, apis)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    status, message = lookups(cites_doi_only)["doi", DOI_ONLY.doi]
    assert status == "unusable" and message.startswith("Crossref: " + reason), message
    assert asked_about(apis, DOI_ONLY.doi) == 1  # the same answer would come again
    assert "1 unusable" in result.stdout
    # Everything else was looked up as without the bad answer.
    assert {lookups(cites_doi_only)[key][0] for key in [("doi", TRIAL.doi), ("pmcid", PMC_ONLY.pmcid), ("pmid", PUBMED_ONLY.pmid)]} == {"resolved"}


def test_a_bad_answer_blocks_no_later_doi_in_this_run_or_the_next(tmp_path, apis):
    good = [Paper(f"Good paper {i}", "BMJ", (2022, 1, 1 + i), [("Al", "Bo")], doi=f"10.2000/good.{i}") for i in range(7)]
    apis.apis.papers.extend(good)
    apis.apis.raw["10.1000/aaa-bad"] = Raw.json({"status": "ok", "message": [1, 2]})
    archive = written_archive(tmp_path, [article("https://site.example/b1", "2022-07-01", dois=["10.1000/aaa-bad", *(p.doi for p in good)])])
    assert enrich(archive, apis).returncode == 0
    assert len(rows(archive, "select * from works")) == 7
    assert lookups(archive)["doi", "10.1000/aaa-bad"][0] == "unusable"


def test_an_answer_shorter_than_announced_is_a_failure_of_that_doi_only(cites_doi_only, apis):
    body = json.dumps(DOI_ONLY.crossref()).encode()
    apis.apis.raw[DOI_ONLY.doi] = Raw(body, length=len(body) + 1000)  # the server closes after the body
    result = enrich(cites_doi_only, apis)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    status, message = lookups(cites_doi_only)["doi", DOI_ONLY.doi]
    assert status == "failed" and f"(an answer cut short after {len(body):,} bytes)" in message
    assert asked_about(apis, DOI_ONLY.doi) == limits.ATTEMPTS
    # One such answer is the DOI's trouble, not Crossref's: the rest of the run still asks it.
    assert asked_about(apis, "10.9999/not-registered") == 1
    assert lookups(cites_doi_only)["doi", "10.9999/not-registered"][0] == "unknown"


def test_an_answer_over_the_size_bound_is_refused_unread_or_read_no_further(cites_doi_only, apis, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ANSWER_BYTES", 100_000)
    # No Content-Length: read up to the bound, and no further.
    apis.apis.raw[DOI_ONLY.doi] = Raw.json({"message": {**DOI_ONLY.crossref()["message"], "title": ["x" * 150_000]}}, length=-1)
    # 200 MB announced: refused before reading (the replica sends 2 bytes).
    apis.apis.raw["10.9999/not-registered"] = Raw(b"{}", length=200 * 1024 * 1024)
    result = enrich(cites_doi_only, apis)
    assert result.returncode == 0, result.stderr
    found = lookups(cites_doi_only)
    assert found["doi", DOI_ONLY.doi] == ("unusable", "Crossref: an answer of more than 100,000 bytes")
    assert found["doi", "10.9999/not-registered"] == ("unusable", "Crossref: an answer of 209,715,200 bytes, more than 100,000")
    assert asked_about(apis, DOI_ONLY.doi) == asked_about(apis, "10.9999/not-registered") == 1


def test_an_answer_dripped_past_the_request_deadline_is_given_up(cites_doi_only, apis, monkeypatch):
    monkeypatch.setattr(limits, "REQUEST_SECONDS", 0.5)
    apis.apis.raw[DOI_ONLY.doi] = Raw(json.dumps(DOI_ONLY.crossref()).encode(), drip=0.05)  # 40 s for the whole answer
    result = enrich(cites_doi_only, apis)
    assert "Traceback" not in result.stderr
    status, message = lookups(cites_doi_only)["doi", DOI_ONLY.doi]
    assert status == "failed" and "(no complete answer within 0.5 s)" in message
    assert asked_about(apis, DOI_ONLY.doi) == limits.ATTEMPTS
    assert lookups(cites_doi_only)["doi", "10.9999/not-registered"][0] == "unknown"


def test_the_run_asks_nothing_more_once_its_time_limit_has_passed(cites_doi_only, apis):
    apis.apis.raw[DOI_ONLY.doi] = Raw(json.dumps(DOI_ONLY.crossref()).encode(), drip=0.05)
    result = enrich(cites_doi_only, apis, "--max-time", "1")
    assert result.returncode == 0, result.stderr
    assert "stopped at the time limit (--max-time 1)" in result.stdout
    assert asked_about(apis, DOI_ONLY.doi) == 1
    # The DOIs after it in the batch were never asked: failed, for the next run, like the one cut off.
    assert asked_about(apis, "10.9999/not-registered") == 0
    assert lookups(cites_doi_only)["doi", DOI_ONLY.doi][0] == lookups(cites_doi_only)["doi", "10.9999/not-registered"][0] == "failed"


def test_a_redirect_to_another_host_is_not_followed(archive, apis):
    with ServedApis(ScholarlyApis([*CATALOGUE])) as elsewhere:
        other_host = elsewhere.url.replace("127.0.0.1", "localhost")
        apis.apis.raw[TRIAL.doi] = Raw(status=302, headers={"Location": f"{other_host}/crossref/works/{TRIAL.doi}"})
        result = enrich(archive, apis)
        assert elsewhere.apis.asked() == []
    assert result.returncode == 6
    assert "Crossref redirected" in result.stderr and "not followed" in result.stderr


def test_a_redirect_within_the_api_is_followed(archive, apis):
    apis.apis.raw["moved"] = Raw(status=301, headers={"Location": f"{apis.url}/crossref/works/{TRIAL.doi}"})
    assert enrich(archive, apis, "--crossref-url", f"{apis.url}/moved/").returncode == 0
    assert rows(archive, "select source from works where doi = ?", TRIAL.doi) == [{"source": "crossref"}]


@pytest.mark.parametrize("api, raw, reason", [
    ("eutils", Raw.json([]), "NCBI E-utilities: the answer is a list, not an object"),
    ("eutils", Raw.json({"result": {"uids": [PUBMED_ONLY.pmid], PUBMED_ONLY.pmid: {**PUBMED_ONLY.esummary(), "authors": "Wang L"}}}),
     "NCBI E-utilities: authors is text, not a list"),
    ("eutils", Raw.json({"result": {"uids": [PUBMED_ONLY.pmid], PUBMED_ONLY.pmid: {**PUBMED_ONLY.esummary(), "uid": "1"}}}),
     f"NCBI E-utilities: the summary of {PUBMED_ONLY.pmid} is about 1"),
])
def test_an_ncbi_answer_of_the_wrong_shape_is_recorded_unusable(archive, apis, api, raw, reason):
    apis.apis.raw[api] = raw
    result = enrich(archive, apis)
    assert "Traceback" not in result.stderr
    assert lookups(archive)["pmid", PUBMED_ONLY.pmid] == ("unusable", reason)


def test_an_idconv_record_about_another_identifier_is_refused(archive, apis):
    apis.apis.raw["idconv"] = Raw.json({"status": "ok", "records": [{"requested-id": PMC_ONLY.pmcid, "pmcid": "PMC1", "pmid": "1"}]})
    result = enrich(archive, apis)
    assert "Traceback" not in result.stderr
    status, message = lookups(archive)["pmcid", PMC_ONLY.pmcid]
    assert status == "unusable" and f"answered {PMC_ONLY.pmcid} with the record of PMC1" in message


def test_the_article_page_shows_the_title_and_journal_of_a_resolved_reference(archive, apis):
    import asyncio

    from archive import serve

    assert enrich(archive, apis).returncode == 0

    async def page():
        response = await serve.make_datasette(archive).client.get("/-/article/archive?url=https://site.example/a1")
        assert response.status_code == 200
        return response.text

    html = asyncio.run(page())
    references = html.split('class="references"')[1]
    assert f'<span class="work">{TRIAL.title}. <i>The Lancet</i> 2024</span>' in references
    # The unregistered DOI is shown as before, with nothing beside it.
    assert references.count('class="work"') == 1


def test_cite_writes_what_enrich_resolved(archive, apis):
    assert enrich(archive, apis).returncode == 0
    result = medarchive_in_process("cite", "--db", str(archive), "--format", "bibtex")
    assert result.returncode == 0, result.stderr
    trial = next(entry for entry in result.stdout.split("\n@") if TRIAL.doi in entry)
    assert f"title = {{{TRIAL.title}}}" in trial
    assert "author = {Zhang, Wei and Smith, Anna}" in trial and "journal = {The Lancet}" in trial
    # One entry for the trial, cited by DOI and by PMID.
    assert result.stdout.count(f"doi = {{{TRIAL.doi}}}") == 1
