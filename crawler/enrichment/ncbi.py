"""NCBI: the PMC ID converter (PMCID <-> PMID <-> DOI) and E-utilities' ``esummary`` for PubMed.

Both take up to :data:`BATCH` identifiers per request, comma-separated, with ``tool`` and
``email`` naming the caller as NCBI asks. The converter answers
``{"status": "ok", "records": [{"requested-id", "pmcid", "pmid", "doi"} | {..., "status": "error", "errmsg"}]}``
(``pmid`` a string in v1.0, a number in the newer API); ``esummary`` answers
``{"result": {"uids": [...], "<pmid>": {"title", "fulljournalname", "source", "pubdate",
"sortpubdate", "authors": [{"name"}], "volume", "issue", "pages", "pubtype", "articleids"}}}``,
an unknown PMID missing from ``uids`` or carrying an ``error``.
"""

import re

from .limits import Api, Pace

#: The ID converter; ``--idconv-url`` or ``MEDARCHIVE_IDCONV_URL`` point elsewhere.
IDCONV_URL = "https://www.ncbi.nlm.nih.gov/pmc/utils/idconv/v1.0/"
#: E-utilities; ``--eutils-url`` or ``MEDARCHIVE_EUTILS_URL`` point elsewhere.
EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
#: NCBI's published limits: requests per second without and with an API key.
NCBI_RATE, NCBI_RATE_WITH_KEY = 3.0, 10.0
#: Identifiers per request: the converter's maximum, and a URL esummary takes by GET.
BATCH = 200
TOOL = "medarchive"
_MONTHS = {name: f"{i:02d}" for i, name in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def ncbi_pace(api_key: str | None) -> Pace:
    """The pace NCBI allows, shared by its APIs of one run."""
    return Pace(NCBI_RATE_WITH_KEY if api_key else NCBI_RATE)


def _params(email: str | None, api_key: str | None) -> dict:
    return {"tool": TOOL, "email": email, "api_key": api_key}


def convert_ids(api: Api, scheme: str, identifiers: list[str], email=None, api_key=None) -> dict[str, dict]:
    """Each of ``identifiers`` (all of ``scheme``: doi, pmid or pmcid) the converter knows,
    with its ``{"doi", "pmid", "pmcid"}`` (DOI lowercase); the others are left out.

    :raises SourceDown: when the converter cannot be reached
    """
    found = {}
    for start in range(0, len(identifiers), BATCH):
        batch = identifiers[start:start + BATCH]
        answer = api.get_json("", {"ids": ",".join(batch), "idtype": scheme, "format": "json", "versions": "no", **_params(email, api_key)})
        wanted = {_key(scheme, identifier): identifier for identifier in batch}
        for record in answer.get("records") or []:
            if record.get("status") == "error":
                continue
            ids = {
                "doi": (record.get("doi") or "").lower() or None,
                "pmid": str(record["pmid"]) if record.get("pmid") else None,
                "pmcid": record.get("pmcid") or None,
            }
            asked = record.get("requested-id") or ids[scheme]
            if asked and _key(scheme, str(asked)) in wanted:
                found[wanted[_key(scheme, str(asked))]] = ids
    return found


def _key(scheme: str, identifier: str) -> str:
    return identifier.lower() if scheme == "doi" else identifier.upper()


def summaries(api: Api, pmids: list[str], email=None, api_key=None) -> dict[str, dict]:
    """The PubMed summary of each of ``pmids`` PubMed knows, as ``works`` columns.

    :raises SourceDown: when E-utilities cannot be reached
    """
    found = {}
    for start in range(0, len(pmids), BATCH):
        batch = pmids[start:start + BATCH]
        answer = api.get_json("esummary.fcgi", {"db": "pubmed", "retmode": "json", "id": ",".join(batch), **_params(email, api_key)})
        result = answer.get("result") or {}
        for uid in result.get("uids") or []:
            summary = result.get(str(uid)) or {}
            if summary and not summary.get("error"):
                found[str(uid)] = parse_summary(summary)
    return found


def parse_summary(summary: dict) -> dict:
    """``works`` columns from one PubMed ``esummary`` document."""
    ids = {item.get("idtype"): item.get("value") for item in summary.get("articleids") or []}
    issued = _issued(summary.get("sortpubdate"), summary.get("pubdate"))
    pmcid = ids.get("pmc") or ids.get("pmcid")
    pmcid = re.search(r"PMC\d+", pmcid).group(0) if pmcid and re.search(r"PMC\d+", pmcid) else None
    pubtypes = summary.get("pubtype") or []
    return {
        "doi": (ids.get("doi") or "").lower() or None,
        "pmid": str(summary.get("uid")) if summary.get("uid") else None,
        "pmcid": pmcid,
        "title": _title(summary.get("title")),
        "container_title": summary.get("fulljournalname") or summary.get("source") or None,
        "publisher": None,
        "type": pubtypes[0] if pubtypes else None,
        "issued": issued,
        "year": int(issued[:4]) if issued else None,
        "authors": [_author(a["name"]) for a in summary.get("authors") or [] if a.get("name") and a.get("authtype", "Author") == "Author"],
        "volume": summary.get("volume") or None,
        "issue": summary.get("issue") or None,
        "pages": summary.get("pages") or None,
        "source": "pubmed",
    }


def _author(name: str) -> str:
    """PubMed's ``Family AB`` as ``Family, AB``: family first, after a comma, as Crossref's names
    are stored and as citation files read them."""
    match = re.fullmatch(r"(.+?)\s+([A-Z]{1,4})", name.strip())
    return f"{match.group(1)}, {match.group(2)}" if match else name.strip()


def _title(title: str | None) -> str | None:
    """PubMed ends every title with a full stop, which Crossref's titles (and citations) lack."""
    title = " ".join((title or "").split())
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]
    return title or None


def _issued(sortpubdate: str | None, pubdate: str | None) -> str | None:
    """The publication date as ISO text: from ``sortpubdate`` (``2020/03/05 00:00``), else the
    year and month of ``pubdate`` (``2020 Mar 5``, ``2020 Mar-Apr``, ``2020``)."""
    match = re.match(r"(\d{4})/(\d{2})/(\d{2})", sortpubdate or "")
    if match:
        return "-".join(match.groups())
    match = re.match(r"(\d{4})(?:\s+([A-Z][a-z]{2}))?(?:\s+(\d{1,2}))?", pubdate or "")
    if not match:
        return None
    year, month, day = match.groups()
    if month not in _MONTHS:
        return year
    return f"{year}-{_MONTHS[month]}" + (f"-{int(day):02d}" if day else "")
