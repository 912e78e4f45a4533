"""Find DOIs, PMIDs and PMCIDs in article text and link targets, and split a
reference section into one entry per cited work.

Pure module (stdlib ``re`` only, no Scrapy), so pipelines and tests call it directly.
"""

import re
from collections.abc import Iterable

#: Labels that may open a DOI string handed to ``normalize_doi``.
DOI_LABEL = r"doi\s*[:：]?\s*"
#: Openings of a DOI link; such a string is read as a URL (query and fragment dropped).
DOI_URL_HEADS = (r"[a-z][a-z0-9+.-]*://", r"(?:dx\.|www\.)?doi\.org/")
#: Characters that end a sentence, a quote, a bracket or an HTML comment (-->) after a DOI;
#: never its last character.
DOI_TRAILING = ".。,，;；)）]>\"'-"
#: Closing brackets kept when balanced inside the DOI: 10.1016/S0140-6736(25)01234-5.
DOI_BRACKETS = {")": "(", "]": "["}
#: Where a DOI taken from a URL ends: the query, the fragment, a further parameter.
DOI_URL_ENDS = "?#&"
#: Path segments publishers append after the DOI in a link (/doi/10.1002/x/full).
DOI_URL_TAILS = ("full", "abstract", "abs", "pdf", "epdf", "html", "fulltext", "summary")
#: Where a DOI ends in wiki and HTML markup: template fields and comments.
DOI_MARKUP_ENDS = ("|", "}}", "-->")
#: HTML tags that end a DOI even when text follows them unspaced (10.1000/abc<br>Next);
#: any other <word> inside a DOI is kept (10.1170/foo<bar>(herp)derp).
DOI_ENDING_TAGS = ("a", "b", "br", "div", "em", "i", "p", "span", "strong", "sub", "sup", "u")
#: Preprint links that name the DOI without spelling it: (link pattern, DOI template).
PREPRINT_URLS = (
    (r"(?:bio|med)rxiv\.org/content/early/\d{4}/\d\d/\d\d/(\d{6})(?!\d)", "10.1101/{}"),
    (r"researchsquare\.com/article/(rs-\d+/v\d+)", "10.21203/rs.3.{}"),
    (r"ssrn\.com/(?:sol3/papers\.cfm\?abstract_id=|abstract=)(\d+)", "10.2139/ssrn.{}"),
    (r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", "10.48550/arXiv.{}"),
)
#: Registrants whose links add a version and format to the DOI (bioRxiv, medRxiv:
#: 10.1101/2019.12.11.872580v1.full.pdf); what follows the DOI proper, to be cut.
DOI_VERSION_SUFFIXES = {"10.1101": r"v\d+(?:[./+][\w.+-]*)?$"}
#: A shortDOI (10/aabbe): read only as a whole DOI string or after a label or doi.org,
#: since "10/20" in running text is a fraction; it has a letter, unlike a fraction.
SHORT_DOI = r"10/(?=[0-9]*[a-z])[a-z0-9]{3,}"

#: A PubMed ID is read only after its label or in a PubMed link, never as a bare number.
PMID_PATTERNS = (
    r"(?<![a-z])PMID\s*[:：=]?\s*(\d{1,8})(?!\d)",
    r"pubmed\.ncbi\.nlm\.nih\.gov/(\d{1,8})(?!\d)",
    r"ncbi\.nlm\.nih\.gov/pubmed/(\d{1,8})(?!\d)",
)
#: A PMC ID after its label (``PMCID: 123``, ``PMCID: PMC123``, a template's ``pmc = 3``) or as
#: ``PMC`` + digits, which also covers the ncbi.nlm.nih.gov/pmc/articles/ and
#: pmc.ncbi.nlm.nih.gov links. One pattern, so the text is scanned once.
PMCID_PATTERNS = (
    r"(?<![a-z0-9])PMC(?:ID\s*[:：]?\s*(?:PMC)?|\s*[:：=]\s*(?:PMC)?)?(\d{1,9})(?!\d)",
)

#: How a reference entry opens: [1] [1]: 【1】 (1) （1） 1. 1、 1)
ENTRY_MARKERS = (
    r"\[\d{1,3}\][:：.]?",
    r"【\d{1,3}】",
    # Not before a colon or comma: "(1):1-5" is a journal issue carried onto a new line.
    r"[(（]\d{1,3}[)）](?![:：,，])",
    # Not before a digit: "10.1177/..." and "1.5 mg" continue an entry.
    r"\d{1,3}(?:[.．、]|[)）])(?!\d)",
)

# A registrant has four or more digits, or fewer with a subdivision of three or more
# (10.10.123/456); "10.12.3/beta" is a version number.
_DOI_HEAD = r"10\.(?:\d{4,9}|\d{1,3}(?=\.\d{3}))(?:\.\d+)*"
# In running text a DOI is printable ASCII or a letter of a non-CJK script: it stops at
# whitespace, CJK text and full-width punctuation, and at the quotes, braces and angle
# brackets of stray markup. <...> stays when it is a SICI part (<483::AID-AJPA4>) or the
# DOI goes on after it (foo<bar>(herp)).
_DOI_CHAR = "[!#-;=?-z~\u00c0-\u0fff]"
_DOI_SICI_PART = r"<[^<>\s]*::[^<>\s]*>"
_DOI_ANGLE_WORD = rf"<(?!(?:{'|'.join(DOI_ENDING_TAGS)})>)[A-Za-z0-9]+>(?=[A-Za-z0-9(\[])"
_DOI_TEXT_RE = re.compile(rf"(?<![\d.]){_DOI_HEAD}(?:/|%2[fF])(?:{_DOI_CHAR}+|{_DOI_SICI_PART}|{_DOI_ANGLE_WORD})+")
# A whole DOI's suffix is any text without spaces or CJK that holds a letter or a digit:
# idutils tests Cyrillic and Tibetan suffixes.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_DOI_VALID_RE = re.compile(rf"{_DOI_HEAD}/[^\s{_CJK}]*[^\W_][^\s{_CJK}]*|{SHORT_DOI}")
_SHORT_DOI_RE = re.compile(rf"(?:{DOI_LABEL}|doi\.org/)({SHORT_DOI})(?!\w)", re.IGNORECASE)
_SHORT_DOI_ALONE_RE = re.compile(rf"(?:{DOI_LABEL})?({SHORT_DOI})", re.IGNORECASE)
_PREPRINT_RES = tuple((re.compile(pattern, re.IGNORECASE), template) for pattern, template in PREPRINT_URLS)
_DOI_VERSION_RES = {prefix: re.compile(suffix) for prefix, suffix in DOI_VERSION_SUFFIXES.items()}
_DOI_LABEL_RE = re.compile(DOI_LABEL, re.IGNORECASE)
_DOI_URL_RE = re.compile("|".join(DOI_URL_HEADS), re.IGNORECASE)
_DOI_URL_END_RE = re.compile(f"[{re.escape(DOI_URL_ENDS)}]")
_DOI_URL_TAIL_RE = re.compile(rf"/(?:{'|'.join(DOI_URL_TAILS)})?/?$", re.IGNORECASE)
_PERCENT_RE = re.compile(r"%([2-7][0-9A-Fa-f])")
_PMID_RES = tuple(re.compile(p, re.IGNORECASE) for p in PMID_PATTERNS)
_PMCID_RES = tuple(re.compile(p, re.IGNORECASE) for p in PMCID_PATTERNS)
_MARKER_RE = re.compile(rf"^\s*(?:{'|'.join(ENTRY_MARKERS)})\s*")
_CJK_RE = re.compile(f"[{_CJK}]")


# --- DOIs ------------------------------------------------------------------------------


def normalize_doi(raw: str) -> str | None:
    """One DOI as printed or linked (``doi:``/``DOI：`` label, doi.org URL) as a
    lowercase ``10.xxxx/...``, or None when it is not a DOI."""
    text = raw.strip()
    if _DOI_URL_RE.match(text):
        return _doi_in_url(text)
    short = _SHORT_DOI_ALONE_RE.fullmatch(text)
    if short:
        return short.group(1).lower()
    return _clean_doi(_DOI_LABEL_RE.sub("", text, count=1), from_url=False)


def find_dois(text: str) -> list[str]:
    """Every DOI in the text, normalised, unique, in order of first appearance."""
    found = []
    for match in _DOI_TEXT_RE.finditer(text):
        # A DOI after "/" or "=" is part of a printed link, whose query is not the DOI's.
        from_url = text[match.start() - 1 : match.start()] in ("/", "=")
        found.append((match.start(), _clean_doi(match.group(), from_url=from_url)))
    if "10/" in text:
        found += [(short.start(), short.group(1).lower()) for short in _SHORT_DOI_RE.finditer(text)]
    return _unique(doi for _, doi in sorted(found))


def dois_in_urls(urls: Iterable[str]) -> list[str]:
    """The DOI inside each link target (doi.org, publishers' ``/doi/...`` paths,
    percent-encoded), normalised, unique, in order."""
    return _unique(_doi_in_url(url) for url in urls if url)


def _doi_in_url(url: str) -> str | None:
    """The first DOI in one URL, or the DOI a preprint link stands for."""
    decoded = _decode_percent(url)
    match = _DOI_TEXT_RE.search(decoded)
    if match:
        return _clean_doi(match.group(), from_url=True)
    short = _SHORT_DOI_RE.search(decoded)
    if short:
        return short.group(1).lower()
    for pattern, template in _PREPRINT_RES:
        preprint = pattern.search(decoded)
        if preprint:
            return template.format(preprint.group(1)).lower()
    return None


def _clean_doi(candidate: str, *, from_url: bool) -> str | None:
    """Decode, trim what follows the DOI, validate and lowercase one candidate."""
    doi = _decode_percent(candidate.strip())
    for end in DOI_MARKUP_ENDS:
        doi = doi.split(end, 1)[0]
    if from_url:
        doi = _DOI_URL_END_RE.split(doi, maxsplit=1)[0]
        untailed = _DOI_URL_TAIL_RE.sub("", doi, count=1)
        # "10.1002/full" would lose its whole suffix; such a DOI keeps its tail.
        if _DOI_VALID_RE.fullmatch(untailed):
            doi = untailed
    doi = _strip_trailing(doi)
    version = _DOI_VERSION_RES.get(doi.split("/", 1)[0])
    if version:
        doi = version.sub("", doi)
    return doi.lower() if _DOI_VALID_RE.fullmatch(doi) else None


def _strip_trailing(doi: str) -> str:
    """Drop sentence punctuation after a DOI, keeping balanced closing brackets."""
    while doi and doi[-1] in DOI_TRAILING:
        opener = DOI_BRACKETS.get(doi[-1])
        if opener and doi.count(opener) >= doi.count(doi[-1]):
            break
        doi = doi[:-1]
    return doi


def _decode_percent(text: str) -> str:
    """Undo ASCII percent-escapes (``%2F``); DOIs are ASCII, so wider ones stay."""
    return _PERCENT_RE.sub(lambda m: chr(int(m.group(1), 16)), text)


# --- PubMed identifiers ------------------------------------------------------------------


def find_pmids(text: str) -> list[str]:
    """PubMed IDs after a ``PMID`` label or in PubMed links, unique, in order."""
    return _find_ordered(_PMID_RES, text)


def find_pmcids(text: str) -> list[str]:
    """PubMed Central IDs as ``PMC`` + digits, unique, in order."""
    return ["PMC" + digits for digits in _find_ordered(_PMCID_RES, text)]


def _find_ordered(patterns, text: str) -> list[str]:
    """The first group of every match of any pattern, ordered by position."""
    hits = sorted((m.start(), m.group(1)) for pattern in patterns for m in pattern.finditer(text))
    return _unique(value for _, value in hits)


# --- reference entries -------------------------------------------------------------------


def split_reference_entries(lines: list[str]) -> list[str]:
    """The reference section's lines as one string per entry, markers dropped.

    A line with an entry marker opens an entry and a line without one continues
    it; when no line has a marker, every non-empty line is an entry.
    """
    lines = [line.strip() for line in lines if line and line.strip()]
    if not any(_MARKER_RE.match(line) for line in lines):
        return lines
    entries: list[str] = []
    opened = False
    for line in lines:
        marker = _MARKER_RE.match(line)
        if marker or not opened:
            # Lines before the first marker stand alone rather than being lost.
            entries.append(line[marker.end() :] if marker else line)
            opened = bool(marker)
        else:
            entries[-1] = _join(entries[-1], line)
    return [entry.strip() for entry in entries if entry.strip()]


def parse_references(lines: list[str], hrefs: list[str]) -> list[dict]:
    """Entries of the reference section with the first DOI, PMID and PMCID of each.

    ``hrefs`` are the section's link targets in document order; their DOIs fill
    entries whose text shows none, but only when the counts match one to one.
    """
    records = [
        {
            "position": position,
            "text": text,
            "doi": _first(find_dois(text)),
            "pmid": _first(find_pmids(text)),
            "pmcid": _first(find_pmcids(text)),
        }
        for position, text in enumerate(split_reference_entries(lines), start=1)
    ]
    _attach_link_dois(records, dois_in_urls(hrefs))
    return records


def _attach_link_dois(records: list[dict], link_dois: list[str]) -> None:
    """Give link DOIs no entry names to the entries without a DOI, in order."""
    named = {record["doi"] for record in records}
    spare = [doi for doi in link_dois if doi not in named]
    lacking = [record for record in records if record["doi"] is None]
    # Without the links' text, order is only trustworthy when nothing is left over.
    if spare and len(spare) == len(lacking):
        for record, doi in zip(lacking, spare):
            record["doi"] = doi


def _join(left: str, right: str) -> str:
    """Join a continuation line: no space next to CJK text, one space otherwise."""
    if not left:
        return right
    cjk = _CJK_RE.match(left[-1]) or _CJK_RE.match(right[0])
    return left + ("" if cjk else " ") + right


def _first(values: list[str]) -> str | None:
    """The first value, or None."""
    return values[0] if values else None


def _unique(values: Iterable[str | None]) -> list[str]:
    """Values without None and repeats, in order of first appearance."""
    return list(dict.fromkeys(value for value in values if value))
