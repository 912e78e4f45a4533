"""Crossref's REST API: one DOI's work (``GET /works/{doi}``) as a row of ``works``.

The answer is ``{"status": "ok", "message-type": "work", "message": {...}}`` where the
message holds lists for ``title`` and ``container-title``, ``issued.date-parts`` as
``[[year, month, day]]`` (month and day optional), ``author`` as
``[{"given", "family"}|{"name"}]``, and ``page`` (not ``pages``). An unknown DOI is a 404.
"""

from urllib.parse import quote

from . import shape
from .limits import Api, Pace, Unusable

#: The public API; ``--crossref-url`` or ``MEDARCHIVE_CROSSREF_URL`` point elsewhere.
CROSSREF_URL = "https://api.crossref.org"
#: Requests per second at most, before the limit Crossref announces in its headers lowers it.
CROSSREF_RATE = 10.0


def crossref_api(base_url: str, user_agent: str, rate: float = CROSSREF_RATE) -> Api:
    return Api("Crossref", base_url, Pace(rate), user_agent)


def fetch_work(api: Api, doi: str) -> dict:
    """The work of ``doi`` as ``works`` columns.

    :raises NotFound: when Crossref does not know the DOI
    :raises Unusable: when the answer is not a work of the shape below, or is about another DOI
    :raises SourceDown: when Crossref cannot be reached
    """
    # The DOI's slash and other reserved characters stay as they are in the path, as
    # Crossref's own examples write them; spaces and '?#' must not.
    answer = shape.mapping(api.get_json("works/" + quote(doi, safe="/:;()<>[]")), "the answer")
    work = parse_work(shape.mapping(answer.get("message"), "its message"))
    if work["doi"] != doi.lower():
        # An alias DOI answered with its work's own DOI cannot be told from an answer about
        # another paper: a wrong work is worse than none.
        raise Unusable(f"the answer is about {work['doi'] or 'no DOI'}, not {doi}")
    return work


def parse_work(message: dict) -> dict:
    """``works`` columns from one Crossref work message.

    :raises Unusable: for a field of another type than Crossref's, or beyond its bounds
    """
    issued = shape.mapping(message.get("issued") or {}, "issued")
    parts = shape.items(issued.get("date-parts"), "issued.date-parts")
    parts = [part for part in shape.items(parts[0] if parts else None, "issued.date-parts[0]") if part is not None]
    parts = [shape.date_part(part, name) for part, name in zip(parts, ("year", "month", "day"))]
    people = shape.items(message.get("author"), "author")
    return {
        "doi": (shape.identifier(message.get("DOI"), "DOI") or "").lower() or None,
        "title": _first(message.get("title"), "title", "title"),
        "container_title": _first(message.get("container-title"), "container-title", "container_title"),
        "publisher": shape.text(message.get("publisher"), "publisher", "publisher"),
        "type": shape.text(message.get("type"), "type", "type"),
        "issued": "-".join(f"{part:02d}" for part in parts) or None,
        "year": parts[0] if parts else None,
        "authors": shape.authors([name for person in people if (name := _author(shape.mapping(person, "an author")))], "author"),
        "volume": shape.text(message.get("volume"), "volume", "volume"),
        "issue": shape.text(message.get("issue"), "issue", "issue"),
        "pages": shape.text(message.get("page"), "page", "pages"),
        "source": "crossref",
    }


def _first(values, where: str, column: str) -> str | None:
    values = shape.items(values, where)
    first = shape.text(values[0], where, column) if values else None
    return " ".join(first.split()) if first else None


def _author(person: dict) -> str | None:
    """``Family, Given`` (a consortium by its ``name``), as BibTeX and RIS write names."""
    family = shape.text(person.get("family"), "an author's family name", "author")
    given = shape.text(person.get("given"), "an author's given name", "author")
    if family:
        return f"{family}, {given}" if given else family
    return shape.text(person.get("name"), "an author's name", "author")
