"""Citation files of the works the archive's articles cite: RIS, BibTeX and CSL-JSON, readable
by Zotero, JabRef and citation.js.

A cited work is named by a DOI, a PMID or a PMCID. Identifiers that name the same work are
merged into one entry: those of one ``works`` row (``medarchive enrich`` cross-links them) and
those of one entry of an article's reference list. Each entry carries the work's title,
journal, year, authors, volume, issue and pages: those ``works`` has, and where it has none
(before ``enrich``, or a field the lookup did not give) those read from the reference entry an
article printed (:mod:`archive.reference_parsing`). It carries its identifiers always (the DOI as ``doi`` and as a doi.org URL, so a reader without ``works`` can still
resolve it), and in a note the archive's articles citing it, title and URL.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field

from .search import matching_rowids
from .reference_parsing import parse_reference
from .schema import has_table

FORMATS = ("ris", "bibtex", "csl-json")
#: The identifier tables, by scheme, and the column holding the identifier.
SCHEMES = {"doi": "article_dois", "pmid": "article_pmids", "pmcid": "article_pmcids"}
#: Where a reader finds a work by each scheme.
SCHEME_URLS = {
    "doi": "https://doi.org/{}",
    "pmid": "https://pubmed.ncbi.nlm.nih.gov/{}/",
    "pmcid": "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/",
}
#: Crossref's work types as CSL types; anything else is an article.
CSL_TYPES = {
    "journal-article": "article-journal",
    "book": "book",
    "book-chapter": "chapter",
    "proceedings-article": "paper-conference",
    "posted-content": "article",
    "dataset": "dataset",
    "report": "report",
    "dissertation": "thesis",
}
#: CSL types as BibTeX and RIS types.
BIBTEX_TYPES = {"article-journal": "article", "book": "book", "chapter": "incollection", "paper-conference": "inproceedings",
                "report": "techreport", "thesis": "phdthesis"}
RIS_TYPES = {"article-journal": "JOUR", "book": "BOOK", "chapter": "CHAP", "paper-conference": "CPAPER", "dataset": "DATA",
             "report": "RPRT", "thesis": "THES"}
#: Characters a citation key keeps; any other makes the key end in a digest of the identifier.
_KEY_CHARS = re.compile(r"[^A-Za-z0-9._:/-]")


class UnknownFormat(ValueError):
    """A citation format other than those of :data:`FORMATS`."""


@dataclass
class Citing:
    title: str
    url: str


@dataclass
class CitedWork:
    """One work, with every identifier the archive knows for it and the articles citing it."""

    key: str
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    work: dict = field(default_factory=dict)  # its ``works`` row, when enrichment found it
    citing: list[Citing] = field(default_factory=list)

    @property
    def csl_type(self) -> str:
        return CSL_TYPES.get(self.work.get("type") or "", "article-journal" if self.work.get("container_title") else "article")


# --- gathering -----------------------------------------------------------------------------


def cited_works(conn, query: str | None = None) -> list[CitedWork]:
    """Every work cited by the archive's articles (or by those matching the search ``query``),
    once, ordered by key. ``conn`` is an SQLite connection to the archive.

    :raises archive.cjkfts.QuerySyntaxError: when ``query`` cannot be read.
    """
    citations = _citations(conn, query)
    groups = _Groups()
    for scheme_a, value_a, scheme_b, value_b in _same_work_pairs(conn):
        groups.join((scheme_a, value_a), (scheme_b, value_b))
    by_group: dict = {}
    for scheme, value, title, url in citations:
        members = by_group.setdefault(groups.find((scheme, value)), {"ids": {}, "citing": {}})
        members["ids"].setdefault(scheme, set()).add(value)
        members["citing"].setdefault(url, title)
    works = _works(conn)
    printed = _printed_entries(conn)
    entries = []
    for members in by_group.values():
        ids = {scheme: min(values) for scheme, values in members["ids"].items()}
        work = next((works[(scheme, value)] for scheme, value in sorted(ids.items()) if (scheme, value) in works), {})
        work = _with_printed_fields(work, printed, members["ids"])
        for scheme in SCHEMES:  # works may know an identifier no article printed
            ids.setdefault(scheme, work.get(scheme))
        entry = CitedWork(key=citation_key(ids), work=work, citing=[Citing(t, u) for u, t in members["citing"].items()], **ids)
        entries.append(entry)
    return sorted(entries, key=lambda entry: entry.key)


def _citations(conn, query):
    """(scheme, identifier, article title, article URL) of every citation, oldest article first."""
    where, params = "", []
    if query:
        matching, params = matching_rowids(query)
        where = f"where a.id in ({matching})"
    union = " union all ".join(f"select '{scheme}' as scheme, {scheme} as value, article_url from {table}" for scheme, table in SCHEMES.items())
    return conn.execute(
        f"select c.scheme, c.value, a.title, a.url from ({union}) c join articles a on a.url = c.article_url {where}"
        " order by a.published is null, a.published, a.url",
        params,
    ).fetchall()


def _same_work_pairs(conn):
    """Pairs of identifiers known to name one work: of one ``works`` row, of one reference entry."""
    sources = ["select doi, pmid, pmcid from article_references"]
    if has_table(conn, "works"):
        sources.append("select doi, pmid, pmcid from works")
    for doi, pmid, pmcid in conn.execute(" union ".join(sources)):
        present = [(scheme, value) for scheme, value in (("doi", doi), ("pmid", pmid), ("pmcid", pmcid)) if value]
        for other in present[1:]:
            yield (*present[0], *other)


def _works(conn) -> dict:
    """Each ``works`` row, by each of its identifiers."""
    if not has_table(conn, "works"):
        return {}
    cursor = conn.execute("select * from works order by id")
    names = [column[0] for column in cursor.description]
    found = {}
    for row in cursor:
        work = dict(zip(names, row))
        for scheme in SCHEMES:
            if work.get(scheme):
                found.setdefault((scheme, work[scheme]), work)
    return found


def _printed_entries(conn) -> dict:
    """The text of each reference entry naming an identifier, by identifier, as ``(order, text)``:
    the entries of older articles first."""
    found: dict = {}
    rows = conn.execute(
        "select r.doi, r.pmid, r.pmcid, r.text from article_references r join articles a on a.url = r.article_url"
        " where coalesce(r.doi, r.pmid, r.pmcid) is not null order by a.published is null, a.published, a.url, r.position"
    )
    for order, (doi, pmid, pmcid, text) in enumerate(rows):
        for scheme, value in (("doi", doi), ("pmid", pmid), ("pmcid", pmcid)):
            if value:
                found.setdefault((scheme, value), []).append((order, text))
    return found


def _with_printed_fields(work: dict, printed: dict, ids: dict) -> dict:
    """``work`` (a ``works`` row, or nothing) with the fields it lacks read from the first
    reference entry naming one of ``ids`` (scheme: identifiers) that gives any: what ``enrich``
    found wins over what an article printed."""
    texts = sorted(entry for scheme, values in ids.items() for value in values for entry in printed.get((scheme, value), []))
    fields = next((fields for fields in (parse_reference(text) for _, text in texts) if fields), {})
    if "authors" in fields:
        fields["authors"] = json.dumps(fields["authors"], ensure_ascii=False)
    return fields | {name: value for name, value in work.items() if value not in (None, "", "[]")}


class _Groups:
    """Union-find over identifiers: which name the same work."""

    def __init__(self):
        self.parent = {}

    def find(self, node):
        root = node
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while node != root:  # every node on the way now points at the root
            self.parent[node], node = root, self.parent[node]
        return root

    def join(self, a, b) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def citation_key(ids: dict) -> str:
    """A key for the work with these identifiers that stays the same from one export to the
    next (enrichment does not change it): its DOI, else its PMID, else its PMCID, as
    ``doi:10.1177/0963689724131234``; an identifier with characters a key cannot hold has
    them replaced and a digest of the identifier appended, so keys stay unique."""
    scheme = next(scheme for scheme in SCHEMES if ids.get(scheme))
    value = ids[scheme]
    key = _KEY_CHARS.sub("_", value)
    if key != value:
        key += "-" + hashlib.sha1(value.encode("utf-8")).hexdigest()[:8]
    return f"{scheme}:{key}"


# --- the parts of an entry -----------------------------------------------------------------


def authors(work: dict) -> list[dict]:
    """The work's authors as CSL names (``family``/``given``, or ``literal``). ``works.authors``
    is a JSON list of names: CSL name objects, or strings ("Zhang, Wei", "Wei Zhang", "张伟")."""
    try:
        names = json.loads(work.get("authors") or "[]")
    except json.JSONDecodeError:
        return []
    found = []
    for name in names if isinstance(names, list) else []:
        if isinstance(name, dict):
            person = {part: str(name[part]) for part in ("family", "given", "literal") if name.get(part)}
            if person:
                found.append(person)
        elif isinstance(name, str) and name.strip():
            found.append(_name_of(name.strip()))
    return found


def _name_of(text: str) -> dict:
    if "," in text:
        family, given = (part.strip() for part in text.split(",", 1))
        return {"family": family, "given": given} if given else {"family": family}
    if " " in text:
        given, family = text.rsplit(" ", 1)
        return {"family": family, "given": given}
    return {"literal": text}


def note(entry: CitedWork, separator: str = "\n") -> str:
    """Which of the archive's articles cite the work, title and URL of each, one per line (or
    with ``separator`` between them, for formats whose fields are one line)."""
    count = len(entry.citing)
    heading = f"Cited by {count} article{'s' if count != 1 else ''} in the archive:"
    cited = separator.join(f"{citing.title} <{citing.url}>" for citing in entry.citing)
    return heading + ("\n" if separator == "\n" else " ") + cited


def _pages(work: dict) -> tuple[str | None, str | None]:
    pages = (work.get("pages") or "").replace("–", "-")
    first, _, last = pages.partition("-")
    return first.strip() or None, last.strip() or None


def _urls(entry: CitedWork) -> list[str]:
    return [SCHEME_URLS[scheme].format(getattr(entry, scheme)) for scheme in SCHEMES if getattr(entry, scheme)]


def _issued(work: dict) -> list[int] | None:
    """``[year, month, day]`` as far as ``works`` knows it."""
    parts = re.findall(r"\d+", work.get("issued") or "")[:3]
    if parts and len(parts[0]) == 4:
        return [int(part) for part in parts]
    return [int(work["year"])] if work.get("year") else None


# --- formats -------------------------------------------------------------------------------


def to_csl_json(entries: list[CitedWork]) -> str:
    """CSL-JSON: a list of items, valid against the CSL data schema."""
    items = []
    for entry in entries:
        work = entry.work
        item = {"id": entry.key, "type": entry.csl_type}
        optional = {
            "title": work.get("title"),
            "container-title": work.get("container_title"),
            "publisher": work.get("publisher"),
            "author": authors(work) or None,
            "issued": {"date-parts": [_issued(work)]} if _issued(work) else None,
            "volume": work.get("volume"),
            "issue": work.get("issue"),
            "page": work.get("pages"),
            "DOI": entry.doi,
            "PMID": entry.pmid,
            "PMCID": entry.pmcid,
            "URL": _urls(entry)[0],
            "note": note(entry),
        }
        item.update({name: value for name, value in optional.items() if value})
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def to_ris(entries: list[CitedWork]) -> str:
    """RIS: one record per work, ``N1`` the citing articles, ``UR`` every link to the work."""
    lines = []
    for entry in entries:
        work = entry.work
        first, last = _pages(work)
        tags = [("TY", RIS_TYPES.get(entry.csl_type, "GEN")), ("ID", entry.key), ("TI", work.get("title")),
                ("T2", work.get("container_title")), ("PB", work.get("publisher"))]
        tags += [("AU", _ris_name(name)) for name in authors(work)]
        issued = _issued(work)
        tags += [("PY", str(issued[0]) if issued else None), ("VL", work.get("volume")), ("IS", work.get("issue")),
                 ("SP", first), ("EP", last), ("DO", entry.doi)]
        tags += [("UR", url) for url in _urls(entry)]
        tags += [("N1", note(entry, "; "))]
        lines += [f"{tag}  - {_one_line(value)}" for tag, value in tags if value]
        lines += ["ER  - ", ""]
    return "\n".join(lines)


def _ris_name(name: dict) -> str:
    if "literal" in name:
        return name["literal"]
    return ", ".join(part for part in (name.get("family"), name.get("given")) if part)


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


#: What BibTeX and LaTeX read as markup in a field's text, and how to write it as text. A brace
#: is written ``\{`` only when it has its partner: BibTeX counts braces whatever precedes them,
#: so a lone one (``x} @misc{evil,``) would close the field; it becomes ``\textbrace...{}``.
BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
PAIRED_BRACES = {"{": r"\{", "}": r"\}"}
LONE_BRACES = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
_BIBTEX_SPECIAL = re.compile("[" + re.escape("".join(BIBTEX_ESCAPES) + "{}") + "]")


def paired_braces(text: str) -> set[int]:
    """Positions of the braces of ``text`` that have a partner: an opening one later closed, and that closing one."""
    opened, paired = [], set()
    for position, char in enumerate(text):
        if char == "{":
            opened.append(position)
        elif char == "}" and opened:
            paired.update((opened.pop(), position))
    return paired


def bibtex_escape(text: str) -> str:
    """``text`` as a BibTeX field's text: LaTeX's special characters escaped, and braces written
    so that the field's own stay balanced whatever ``text`` holds."""
    text = _one_line(text)
    paired = paired_braces(text)

    def escaped(match):
        char = match.group()
        if char in PAIRED_BRACES:
            return (PAIRED_BRACES if match.start() in paired else LONE_BRACES)[char]
        return BIBTEX_ESCAPES[char]

    return _BIBTEX_SPECIAL.sub(escaped, text)


def _verbatim(text: str) -> str | None:
    """A DOI or URL field, read as it is by biblatex and the url package: only braces, which
    would unbalance the field, and the comment sign are escaped. None for text with a lone
    brace, which no escape keeps inside the field (URLs have theirs percent-encoded first)."""
    if len(paired_braces(text)) != text.count("{") + text.count("}"):
        return None
    return re.sub(r"([{}%\\])", r"\\\1", text)


def _url(url: str) -> str:
    """``url`` with its braces percent-encoded, as a URL may always have them."""
    return url.replace("{", "%7B").replace("}", "%7D")


def to_bibtex(entries: list[CitedWork]) -> str:
    """BibTeX (UTF-8, for biber/biblatex, JabRef and Zotero): ``note`` lists the citing articles."""
    records = []
    for entry in entries:
        work = entry.work
        names = [_ris_name(name) for name in authors(work)]
        issued = _issued(work)
        fields = [
            ("title", bibtex_escape(work["title"]) if work.get("title") else None),
            ("author", " and ".join(f"{{{bibtex_escape(name)}}}" if "," not in name else bibtex_escape(name) for name in names) or None),
            ("journal" if entry.csl_type == "article-journal" else "booktitle", bibtex_escape(work["container_title"]) if work.get("container_title") else None),
            ("publisher", bibtex_escape(work["publisher"]) if work.get("publisher") else None),
            ("year", str(issued[0]) if issued else None),
            ("volume", bibtex_escape(work["volume"]) if work.get("volume") else None),
            ("number", bibtex_escape(work["issue"]) if work.get("issue") else None),
            ("pages", bibtex_escape(work["pages"].replace("-", "--")) if work.get("pages") else None),
            ("doi", _verbatim(entry.doi) if entry.doi else None),
            ("pmid", entry.pmid),
            ("pmcid", entry.pmcid),
            ("url", _verbatim(_url(_urls(entry)[0]))),
            ("note", bibtex_escape(note(entry, "; "))),
        ]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        records.append(f"@{BIBTEX_TYPES.get(entry.csl_type, 'misc')}{{{entry.key},\n{body}\n}}\n")
    return "\n".join(records)


WRITERS = {"ris": to_ris, "bibtex": to_bibtex, "csl-json": to_csl_json}


def citation_file(conn, fmt: str, query: str | None = None) -> tuple[str, int]:
    """The citation file of the works cited (by articles matching ``query``) in format ``fmt``,
    and how many works it holds."""
    if fmt not in WRITERS:
        raise UnknownFormat(f"unknown citation format {fmt!r}; choose one of {', '.join(FORMATS)}")
    entries = cited_works(conn, query)
    return WRITERS[fmt](entries), len(entries)
