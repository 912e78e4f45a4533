"""Crossref's REST API: one DOI's work (``GET /works/{doi}``) as a row of ``works``.

The answer is ``{"status": "ok", "message-type": "work", "message": {...}}`` where the
message holds lists for ``title`` and ``container-title``, ``issued.date-parts`` as
``[[year, month, day]]`` (month and day optional), ``author`` as
``[{"given", "family"}|{"name"}]``, and ``page`` (not ``pages``). An unknown DOI is a 404.
"""

from urllib.parse import quote

from .limits import Api, Pace

#: The public API; ``--crossref-url`` or ``MEDARCHIVE_CROSSREF_URL`` point elsewhere.
CROSSREF_URL = "https://api.crossref.org"
#: Requests per second at most, before the limit Crossref announces in its headers lowers it.
CROSSREF_RATE = 10.0


def crossref_api(base_url: str, user_agent: str, rate: float = CROSSREF_RATE) -> Api:
    return Api("Crossref", base_url, Pace(rate), user_agent)


def fetch_work(api: Api, doi: str) -> dict:
    """The work of ``doi`` as ``works`` columns.

    :raises NotFound: when Crossref does not know the DOI
    :raises SourceDown: when Crossref cannot be reached
    """
    # The DOI's slash and other reserved characters stay as they are in the path, as
    # Crossref's own examples write them; spaces and '?#' must not.
    answer = api.get_json("works/" + quote(doi, safe="/:;()<>[]"))
    return parse_work(answer.get("message") or {})


def parse_work(message: dict) -> dict:
    """``works`` columns from one Crossref work message."""
    parts = ((message.get("issued") or {}).get("date-parts") or [[None]])[0]
    parts = [part for part in parts if part is not None]
    return {
        "doi": (message.get("DOI") or "").lower() or None,
        "title": _first(message.get("title")),
        "container_title": _first(message.get("container-title")),
        "publisher": message.get("publisher"),
        "type": message.get("type"),
        "issued": "-".join(f"{int(part):02d}" for part in parts) or None,
        "year": int(parts[0]) if parts else None,
        "authors": [_author(person) for person in message.get("author") or [] if _author(person)],
        "volume": message.get("volume"),
        "issue": message.get("issue"),
        "pages": message.get("page"),
        "source": "crossref",
    }


def _first(values) -> str | None:
    return " ".join(values[0].split()) if values else None


def _author(person: dict) -> str | None:
    """``Family, Given`` (a consortium by its ``name``), as BibTeX and RIS write names."""
    if person.get("family"):
        return f"{person['family']}, {person['given']}" if person.get("given") else person["family"]
    return person.get("name")
