"""``medarchive enrich``: resolve the DOIs, PMIDs and PMCIDs the archive cites into ``works``.

Each batch of identifiers not yet resolved (:func:`archive.works.pending`) is asked about
in three steps: NCBI's ID converter cross-links PMCID, PMID and DOI (one request per
:data:`~enrichment.ncbi.BATCH` identifiers); Crossref describes each work with a
DOI; PubMed's ``esummary`` describes those Crossref does not know and those without a DOI
(one request per batch). The batch's answers are then written in one transaction, so an
interrupted run keeps every batch before it.

An API that stays down (:class:`~enrichment.limits.SourceDown`) is asked nothing more
in the run; what needed it is recorded ``failed`` and asked again by the next run. An answer
that cannot be stored (:class:`~enrichment.limits.Unusable`: too large, of the wrong
shape, about another identifier) is recorded ``unusable`` for the identifier it answers, with
the reason, and asked again after the days an unknown one waits; the run goes on. With a time
limit, the run stops asking once it has passed; what it did not ask waits for the next run.
"""

import logging
import time
from dataclasses import dataclass, field

from archive import works

from . import crossref, ncbi
from .limits import Api, NotFound, SourceDown, Unusable

logger = logging.getLogger(__name__)

#: Identifiers asked about, and written, per transaction.
BATCH = 100
#: Days before an identifier no source knows is asked about again.
RETRY_UNKNOWN_DAYS = 30.0


@dataclass
class Sources:
    """The three APIs of one run, and how we name ourselves to them."""

    crossref: Api
    idconv: Api
    eutils: Api
    email: str | None = None
    api_key: str | None = None

    @classmethod
    def at(cls, *, crossref_url=crossref.CROSSREF_URL, idconv_url=ncbi.IDCONV_URL, eutils_url=ncbi.EUTILS_URL,
           email=None, api_key=None, version="0") -> "Sources":
        # Crossref's polite pool: a mailto in the User-Agent lets them write before they block.
        user_agent = f"medarchive/{version}" + (f" (mailto:{email})" if email else "")
        pace = ncbi.ncbi_pace(api_key)
        return cls(
            crossref=crossref.crossref_api(crossref_url, user_agent),
            idconv=Api("NCBI ID converter", idconv_url, pace, user_agent),
            eutils=Api("NCBI E-utilities", eutils_url, pace, user_agent),
            email=email,
            api_key=api_key,
        )

    @property
    def apis(self) -> list[Api]:
        return [self.crossref, self.idconv, self.eutils]


@dataclass
class EnrichCounts:
    """What a run did: identifiers asked about and their outcomes, other identifiers of the
    works found marked resolved (``cross_linked``), and the one-line message of each API down."""

    asked: int = 0
    resolved: int = 0
    unknown: int = 0
    unusable: int = 0
    failed: int = 0
    cross_linked: int = 0
    batches: int = 0
    messages: list[str] = field(default_factory=list)
    #: True when the run stopped at its time limit.
    out_of_time: bool = False


@dataclass
class _Answer:
    """What the sources said about one identifier."""

    ids: dict
    work: dict | None = None
    failure: str | None = None
    unknown: list[str] = field(default_factory=list)
    #: Why the answer about the identifier cannot be stored.
    unusable: str | None = None


def enrich(db, sources: Sources, *, limit: int | None = None, retry_unknown_days: float = RETRY_UNKNOWN_DAYS,
           counts: EnrichCounts | None = None, max_seconds: float | None = None) -> EnrichCounts:
    """Look up what the archive cites and has not resolved, at most ``limit`` identifiers,
    asking nothing more once ``max_seconds`` have passed."""
    counts = counts if counts is not None else EnrichCounts()
    started = works.utc_now()
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    for api in sources.apis:
        api.run_deadline = deadline
    while limit is None or counts.asked < limit:
        counts.out_of_time = deadline is not None and time.monotonic() >= deadline
        if counts.out_of_time:
            break
        size = BATCH if limit is None else min(BATCH, limit - counts.asked)
        todo = works.pending(db.conn, works.utc_now(), size, asked_since=started)
        if not todo:
            break
        answers = resolve(todo, sources)
        now = works.utc_now()
        with db.atomic():
            for key, answer in answers.items():
                _write(db.conn, key, answer, answers.keys(), now, retry_unknown_days, counts)
        counts.asked += len(todo)
        counts.batches += 1
        logger.info("batch %d: %d identifiers, %d resolved so far", counts.batches, len(todo), counts.resolved)
    counts.messages = [api.down for api in sources.apis if api.down]
    return counts


def resolve(todo: list[tuple[str, str]], sources: Sources) -> dict[tuple[str, str], _Answer]:
    """Ask the sources about ``todo`` (``(scheme, identifier)`` pairs); nothing is written."""
    answers = {(scheme, identifier): _Answer({scheme: identifier}) for scheme, identifier in todo}
    _cross_link(answers, sources)
    _describe_by_doi(answers, sources)
    _describe_by_pmid(answers, sources)
    return answers


def _cross_link(answers, sources: Sources) -> None:
    for scheme in works.SCHEMES:
        asked = [identifier for (s, identifier) in answers if s == scheme]
        if not asked:
            continue
        try:
            found = ncbi.convert_ids(sources.idconv, scheme, asked, sources.email, sources.api_key)
        except (SourceDown, Unusable) as error:
            # Without the converter a DOI or PMID is still described; a PMCID is not.
            if scheme == "pmcid":
                for identifier in asked:
                    _set_problem(answers[scheme, identifier], error, sources.idconv)
            continue
        for identifier, ids in found.items():
            linked = answers[scheme, identifier].ids
            linked.update({s: value for s, value in ids.items() if value and s != scheme})
        for identifier in asked:
            if scheme == "pmcid" and identifier not in found:
                answers[scheme, identifier].unknown.append("not in PMC's ID converter")


def _set_problem(answer: _Answer, error: Exception, api: Api) -> None:
    """Record on ``answer`` why ``api`` could not describe it: a failure (asked again by the
    next run) or an unusable answer (with its reason)."""
    if isinstance(error, Unusable):
        answer.unusable = f"{api.name}: {error}"
    else:
        answer.failure = str(error)


def _describe_by_doi(answers, sources: Sources) -> None:
    seen = {}
    for answer in answers.values():
        doi = answer.ids.get("doi")
        if not doi or answer.failure or answer.unusable:
            continue
        if doi not in seen:
            try:
                seen[doi] = crossref.fetch_work(sources.crossref, doi)
            except NotFound:
                seen[doi] = None
            except (SourceDown, Unusable) as error:
                seen[doi] = error
        found = seen[doi]
        if isinstance(found, Exception):
            _set_problem(answer, found, sources.crossref)
        elif found is None:
            answer.unknown.append("Crossref does not know the DOI")
        else:
            answer.work = found


def _describe_by_pmid(answers, sources: Sources) -> None:
    waiting = [answer for answer in answers.values() if answer.work is None and answer.ids.get("pmid")]
    if not waiting:
        return
    try:
        found = ncbi.summaries(sources.eutils, sorted({answer.ids["pmid"] for answer in waiting}), sources.email, sources.api_key)
    except (SourceDown, Unusable) as error:
        for answer in waiting:
            if not (answer.failure or answer.unusable):
                _set_problem(answer, error, sources.eutils)
        return
    for answer in waiting:
        summary = found.get(answer.ids["pmid"])
        if isinstance(summary, Unusable):
            answer.unusable = answer.unusable or f"{sources.eutils.name}: {summary}"
        elif summary:
            answer.work, answer.failure, answer.unusable = summary, None, None
        else:
            answer.unknown.append("PubMed does not know the PMID")


def _write(conn, key: tuple[str, str], answer: _Answer, batch, now, retry_unknown_days: float, counts: EnrichCounts) -> None:
    scheme, identifier = key
    if answer.work is not None:
        work = dict(answer.work)
        for s in works.SCHEMES:
            work[s] = work.get(s) or answer.ids.get(s)
        work_id = works.save_work(conn, work, now)
        works.record_lookup(conn, scheme, identifier, "resolved", now, work_id=work_id, message=f"from {work['source']}")
        counts.resolved += 1
        counts.cross_linked += works.record_cross_links(conn, work_id, work, batch, now)
    elif answer.failure:
        # Asked again by the next run, whenever it comes.
        works.record_lookup(conn, scheme, identifier, "failed", now, retry_after=now, message=answer.failure)
        counts.failed += 1
    elif answer.unusable:
        # The source may mend its record: asked again when an unknown one would be.
        works.record_lookup(conn, scheme, identifier, "unusable", now, retry_after=works.retry_time(now, retry_unknown_days),
                            message=answer.unusable)
        counts.unusable += 1
    else:
        works.record_lookup(conn, scheme, identifier, "unknown", now, retry_after=works.retry_time(now, retry_unknown_days),
                            message="; ".join(answer.unknown) or "no source knows it")
        counts.unknown += 1
