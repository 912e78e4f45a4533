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

from . import shape
from .limits import Api, NotFound, Pace, Unusable

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

    :raises Unusable: for an answer not of the converter's shape
    :raises SourceDown: when the converter cannot be reached
    """
    found = {}
    for start in range(0, len(identifiers), BATCH):
        batch = identifiers[start:start + BATCH]
        answer = shape.mapping(_get(api, "", {"ids": ",".join(batch), "idtype": scheme, "format": "json", "versions": "no",
                                                 **_params(email, api_key)}), "the answer")
        wanted = {_key(scheme, identifier): identifier for identifier in batch}
        for record in shape.items(answer.get("records"), "records"):
            record = shape.mapping(record, "a record")
            if record.get("status") == "error":
                continue
            ids = {
                "doi": (shape.identifier(record.get("doi"), "a record's doi") or "").lower() or None,
                "pmid": shape.identifier(record.get("pmid"), "a record's pmid"),
                "pmcid": shape.identifier(record.get("pmcid"), "a record's pmcid"),
            }
            asked = shape.identifier(record.get("requested-id"), "a record's requested-id") or ids[scheme]
            if not asked or _key(scheme, asked) not in wanted:
                continue
            if ids[scheme] and _key(scheme, ids[scheme]) != _key(scheme, asked):
                raise Unusable(f"the converter answered {asked} with the record of {ids[scheme]}")
            found[wanted[_key(scheme, asked)]] = ids
    return found


def _get(api: Api, path: str, params: dict):
    """``api.get_json``; a 404 means the API is not at its address (NCBI answers an unknown
    identifier with a record, not a 404): the API counts as down."""
    try:
        return api.get_json(path, params)
    except NotFound:
        return api.give_up(f"{api.name} answered HTTP 404 at {api.base_url}: is the address right?")


def _key(scheme: str, identifier: str) -> str:
    return identifier.lower() if scheme == "doi" else identifier.upper()


def summaries(api: Api, pmids: list[str], email=None, api_key=None) -> dict[str, dict | Unusable]:
    """The PubMed summary of each of ``pmids`` PubMed knows, as ``works`` columns, or the
    :class:`Unusable` saying why its summary cannot be stored.

    :raises Unusable: for an answer not of ``esummary``'s shape
    :raises SourceDown: when E-utilities cannot be reached
    """
    found = {}
    for start in range(0, len(pmids), BATCH):
        batch = pmids[start:start + BATCH]
        answer = shape.mapping(_get(api, "esummary.fcgi", {"db": "pubmed", "retmode": "json", "id": ",".join(batch),
                                                              **_params(email, api_key)}), "the answer")
        result = shape.mapping(answer.get("result") or {}, "result")
        for uid in shape.items(result.get("uids"), "uids"):
            uid = shape.identifier(uid, "a uid")
            summary = result.get(uid) or {}
            if not summary or isinstance(summary, dict) and summary.get("error"):
                continue
            try:
                found[uid] = parse_summary(shape.mapping(summary, f"the summary of {uid}"))
                if found[uid]["pmid"] != uid:
                    raise Unusable(f"the summary of {uid} is about {found[uid]['pmid']}")
            except Unusable as error:
                found[uid] = error
    return found


def parse_summary(summary: dict) -> dict:
    """``works`` columns from one PubMed ``esummary`` document.

    :raises Unusable: for a field of another type than PubMed's, or beyond its bounds
    """
    ids = {shape.text(item.get("idtype"), "an idtype", "type"): shape.identifier(item.get("value"), "an article id")
           for item in (shape.mapping(item, "an article id") for item in shape.items(summary.get("articleids"), "articleids"))}
    issued = _issued(shape.text(summary.get("sortpubdate"), "sortpubdate", "type"), shape.text(summary.get("pubdate"), "pubdate", "type"))
    pmcid = ids.get("pmc") or ids.get("pmcid")
    pmcid = re.search(r"PMC\d+", pmcid).group(0) if pmcid and re.search(r"PMC\d+", pmcid) else None
    pubtypes = [shape.text(kind, "a pubtype", "type") for kind in shape.items(summary.get("pubtype"), "pubtype")]
    people = [shape.mapping(person, "an author") for person in shape.items(summary.get("authors"), "authors")]
    return {
        "doi": (ids.get("doi") or "").lower() or None,
        "pmid": shape.identifier(summary.get("uid"), "uid"),
        "pmcid": pmcid,
        "title": _title(shape.text(summary.get("title"), "title", "title")),
        "container_title": shape.text(summary.get("fulljournalname"), "fulljournalname", "container_title")
        or shape.text(summary.get("source"), "source", "container_title"),
        "publisher": None,
        "type": pubtypes[0] if pubtypes else None,
        "issued": issued,
        "year": int(issued[:4]) if issued else None,
        "authors": shape.authors([_author(name) for person in people
                                  if (name := shape.text(person.get("name"), "an author's name", "author"))
                                  and person.get("authtype", "Author") == "Author"], "authors"),
        "volume": shape.text(summary.get("volume"), "volume", "volume"),
        "issue": shape.text(summary.get("issue"), "issue", "issue"),
        "pages": shape.text(summary.get("pages"), "pages", "pages"),
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
