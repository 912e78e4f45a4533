"""``medarchive cite``: every cited work once, with the articles citing it, in files that real
readers take back: bibtexparser for BibTeX, rispy for RIS, the official CSL-JSON schema and
citeproc-py for CSL-JSON."""

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import bibtexparser
import jsonschema
import pybtex.database
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from archive import citations
from conftest import medarchive, written_archive

CSL_SCHEMA = json.loads((Path(__file__).parent / "csl" / "csl-data.json").read_text(encoding="utf-8"))

A, B, C = (f"https://site.example/a/{n}.html" for n in (1, 2, 3))
ASTHMA_DOI = "10.1177/0963689724131234"
LIVER_DOI = "10.1186/s13287-025-04123-9"
LIVER_PMID = "39876543"
ODD_DOI = "10.1002/(sici)1097-4636(199706)35:4<431::aid-jbm3>3.0.co;2-d"


def article(url, title, body, **fields):
    return {
        "url": url, "site": "https://site.example", "title": title, "body": body, "body_html": f"<p>{body}</p>",
        "published": "2025-03-01", "published_raw": "2025年3月1日", "references": [], "dois": [], "pmids": [], "pmcids": [],
    } | fields


ARTICLES = [
    article(A, "支气管哮喘的干细胞治疗 & 50% {新} 进展", "间充质干细胞可减轻哮喘气道炎症[1]。",
            references=[{"position": 1, "text": f"Li X. doi:{ASTHMA_DOI}. PMCID: PMC11751234", "doi": ASTHMA_DOI, "pmcid": "PMC11751234"}],
            dois=[ASTHMA_DOI, ODD_DOI], pmcids=["PMC11751234"]),
    article(B, "肝硬化的细胞治疗", "经肝动脉输注干细胞改善肝功能。", dois=[ASTHMA_DOI, LIVER_DOI], published="2025-04-02"),
    # Cites the liver paper by its PMID only: the works row cross-links it to the DOI.
    article(C, "肝硬化随访", "PubMed 文献显示疗效持续。", pmids=[LIVER_PMID], published="2025-05-03"),
]

WORKS = [
    {"doi": LIVER_DOI, "pmid": LIVER_PMID, "pmcid": None, "title": "Hepatic arterial infusion of MSCs: the {50%} & #1 trial_α",
     "container_title": "Stem Cell Research & Therapy", "publisher": "Springer", "type": "journal-article", "issued": "2025-02-14",
     "year": 2025, "authors": json.dumps([{"family": "Wang", "given": "Li"}, "Smith, John", "张伟"]), "volume": "16",
     "issue": "1", "pages": "45-52", "source": "crossref", "resolved_at": "2025-06-01T00:00:00+00:00"},
    {"doi": ASTHMA_DOI, "pmid": None, "pmcid": "PMC11751234", "title": "雾化吸入外泌体治疗哮喘", "container_title": "中华结核和呼吸杂志",
     "publisher": None, "type": "journal-article", "issued": "2024", "year": 2024, "authors": json.dumps(["李明"]),
     "volume": None, "issue": None, "pages": None, "source": "crossref", "resolved_at": "2025-06-01T00:00:00+00:00"},
]


@pytest.fixture
def bare(tmp_path):
    """An archive whose works table is empty: no enrichment has run."""
    (tmp_path / "bare").mkdir()
    return written_archive(tmp_path / "bare", ARTICLES)


@pytest.fixture
def enriched(tmp_path):
    (tmp_path / "enriched").mkdir()
    path = written_archive(tmp_path / "enriched", ARTICLES)
    with sqlite3.connect(path) as conn:
        for work in WORKS:
            conn.execute(f"insert into works ({', '.join(work)}) values ({', '.join('?' * len(work))})", list(work.values()))
    return path


def cite(path, fmt, *options):
    result = medarchive("cite", "--db", str(path), "--format", fmt, *options)
    assert result.returncode == 0, result.stderr
    return result.stdout


def read_bibtex(text):
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert library.failed_blocks == []
    return {entry.key: {name: field.value for name, field in entry.fields_dict.items()} | {"type": entry.entry_type} for entry in library.entries}


# --- which works, merged how ---------------------------------------------------------------------


def test_without_works_each_identifier_is_one_entry_and_a_reference_entry_merges_its_doi_and_pmcid(bare):
    with sqlite3.connect(bare) as conn:
        entries = citations.cited_works(conn)
    by_doi = {entry.doi: entry for entry in entries}
    assert set(by_doi) == {ASTHMA_DOI, LIVER_DOI, ODD_DOI, None}
    assert by_doi[ASTHMA_DOI].pmcid == "PMC11751234"  # one reference entry names both
    assert [c.url for c in by_doi[ASTHMA_DOI].citing] == [A, B]
    assert by_doi[None].pmid == LIVER_PMID and [c.url for c in by_doi[None].citing] == [C]


def test_works_cross_links_a_pmid_and_a_doi_into_one_entry_citing_both_articles(enriched):
    with sqlite3.connect(enriched) as conn:
        entries = citations.cited_works(conn)
    assert len(entries) == 3
    liver = next(entry for entry in entries if entry.doi == LIVER_DOI)
    assert liver.pmid == LIVER_PMID
    assert [(c.title, c.url) for c in liver.citing] == [("肝硬化的细胞治疗", B), ("肝硬化随访", C)]


def test_query_keeps_the_works_cited_by_matching_articles(enriched):
    records = rispy.loads(cite(enriched, "ris", "--query", "哮喘"))
    assert sorted(record["doi"] for record in records) == sorted([ASTHMA_DOI, ODD_DOI])


# --- BibTeX --------------------------------------------------------------------------------------


def test_bibtex_reads_back_with_the_works_metadata_and_escaped_text(enriched):
    entries = read_bibtex(cite(enriched, "bibtex"))
    liver = entries[f"doi:{LIVER_DOI}"]
    assert liver["type"] == "article"
    assert liver["title"] == WORKS[0]["title"]  # {, }, %, &, #, _ survive as text
    assert liver["journal"] == "Stem Cell Research & Therapy"
    assert (liver["year"], liver["volume"], liver["number"], liver["pages"]) == ("2025", "16", "1", "45–52")
    assert liver["author"] == "Wang, Li and Smith, John and 张伟"
    assert liver["doi"] == LIVER_DOI and liver["pmid"] == LIVER_PMID and liver["url"] == f"https://doi.org/{LIVER_DOI}"
    assert "肝硬化的细胞治疗 <https://site.example/a/2.html>" in liver["note"]
    assert "肝硬化随访 <https://site.example/a/3.html>" in liver["note"]
    asthma = entries[f"doi:{ASTHMA_DOI}"]
    assert asthma["title"] == "雾化吸入外泌体治疗哮喘" and asthma["journal"] == "中华结核和呼吸杂志"
    assert "支气管哮喘的干细胞治疗 & 50% {新} 进展" in asthma["note"]


def test_bibtex_keys_are_unique_and_stable_through_enrichment(bare, enriched):
    before = read_bibtex(cite(bare, "bibtex"))
    after = read_bibtex(cite(enriched, "bibtex"))
    assert len(before) == 4 and len(after) == 3  # keys are unique: the parser keeps every one
    assert set(after) <= set(before)
    assert read_bibtex(cite(enriched, "bibtex")).keys() == after.keys()
    odd = next(key for key, fields in before.items() if fields.get("doi") == ODD_DOI)
    assert odd.startswith("doi:10.1002/_sici_1097") and "<" not in odd and ";" not in odd


def test_without_works_bibtex_entries_carry_the_doi_for_zotero_to_resolve(bare):
    asthma = read_bibtex(cite(bare, "bibtex"))[f"doi:{ASTHMA_DOI}"]
    assert asthma["type"] == "misc" and "title" not in asthma
    assert asthma["doi"] == ASTHMA_DOI and asthma["url"] == f"https://doi.org/{ASTHMA_DOI}"


#: A title that closes its field (and opens an entry of its own) if its braces are written as they come.
CLOSING_TITLE = "x} @misc{evil, title={pwned}}"
#: BibTeX 0.99d's own reading of a file: a style that writes each entry's key, one a line.
KEYS_STYLE = "ENTRY { title } {} {}\nFUNCTION {default.type} {}\nFUNCTION {key} { cite$ write$ newline$ }\nREAD\nITERATE {key}\n"


@pytest.fixture
def hostile(tmp_path):
    """An archive whose crawled titles and resolved work carry braces that do not pair."""
    (tmp_path / "hostile").mkdir()
    path = written_archive(tmp_path / "hostile", [
        article(A, CLOSING_TITLE, "正文。", dois=[ASTHMA_DOI]),
        article(B, "{ 未闭合的标题", "正文。", dois=[LIVER_DOI], published="2025-04-02"),
    ])
    with sqlite3.connect(path) as conn:
        conn.execute("insert into works (doi, title, container_title, type) values (?, ?, ?, 'journal-article')",
                     [LIVER_DOI, "A study } of { braces", "J } Odd"])
    return path


def bibtex_keys(text, tmp_path):
    """The keys of the entries Debian's BibTeX 0.99d reads in ``text``; fails on any error it reports."""
    if shutil.which("bibtex") is None:
        pytest.skip("Debian's bibtex (texlive-binaries) is not installed; .ci/run installs it")
    (tmp_path / "cited.bib").write_text(text, encoding="utf-8")
    (tmp_path / "keys.bst").write_text(KEYS_STYLE, encoding="utf-8")
    (tmp_path / "job.aux").write_text("\\citation{*}\n\\bibstyle{keys}\n\\bibdata{cited}\n", encoding="utf-8")
    run = subprocess.run(["bibtex", "job"], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "BSTINPUTS": ".", "BIBINPUTS": "."})
    assert "error message" not in run.stdout, run.stdout
    return (tmp_path / "job.bbl").read_text(encoding="utf-8").split()


def test_bibtex_0_99d_reads_each_entry_of_titles_with_lone_braces_once(hostile, tmp_path):
    assert bibtex_keys(cite(hostile, "bibtex"), tmp_path) == [f"doi:{LIVER_DOI}", f"doi:{ASTHMA_DOI}"][::-1]


def test_pybtex_in_strict_mode_reads_each_entry_of_titles_with_lone_braces_once(hostile):
    library = pybtex.database.parse_string(cite(hostile, "bibtex"), "bibtex")
    assert list(library.entries) == [f"doi:{ASTHMA_DOI}", f"doi:{LIVER_DOI}"]


def test_bibtexparser_reads_a_lone_brace_as_latex_text_inside_its_field(hostile):
    library = bibtexparser.parse_string(cite(hostile, "bibtex"))
    assert library.failed_blocks == []
    fields = {entry.key: entry.fields_dict for entry in library.entries}
    assert set(fields) == {f"doi:{ASTHMA_DOI}", f"doi:{LIVER_DOI}"}
    assert r"x\textbraceright{} @misc\{evil, title=\{pwned\}\} <" in fields[f"doi:{ASTHMA_DOI}"]["note"].value
    assert fields[f"doi:{LIVER_DOI}"]["title"].value == r"A study \textbraceright{} of \textbraceleft{} braces"


# --- RIS -----------------------------------------------------------------------------------------


def test_ris_reads_back_with_rispy(enriched):
    records = {record["doi"]: record for record in rispy.loads(cite(enriched, "ris"))}
    liver = records[LIVER_DOI]
    assert liver["id"] == f"doi:{LIVER_DOI}"
    assert liver["type_of_reference"] == "JOUR"
    assert liver["title"] == WORKS[0]["title"]
    assert liver["secondary_title"] == "Stem Cell Research & Therapy"
    assert liver["authors"] == ["Wang, Li", "Smith, John", "张伟"]
    assert (liver["year"], liver["volume"], liver["number"], liver["start_page"], liver["end_page"]) == ("2025", "16", "1", "45", "52")
    assert liver["urls"] == [f"https://doi.org/{LIVER_DOI}", f"https://pubmed.ncbi.nlm.nih.gov/{LIVER_PMID}/"]
    assert liver["notes"] == ["Cited by 2 articles in the archive: 肝硬化的细胞治疗 <https://site.example/a/2.html>; 肝硬化随访 <https://site.example/a/3.html>"]
    assert records[ODD_DOI]["type_of_reference"] == "GEN"


# --- CSL-JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize("archive", ["bare", "enriched"])
def test_csl_json_is_valid_against_the_official_schema(archive, request):
    items = json.loads(cite(request.getfixturevalue(archive), "csl-json"))
    jsonschema.validate(items, CSL_SCHEMA)
    assert len({item["id"] for item in items}) == len(items)


def test_csl_json_renders_with_citeproc(enriched):
    items = json.loads(cite(enriched, "csl-json"))
    liver = next(item for item in items if item.get("DOI") == LIVER_DOI)
    assert liver["issued"] == {"date-parts": [[2025, 2, 14]]}
    assert liver["author"][:2] == [{"family": "Wang", "given": "Li"}, {"family": "Smith", "given": "John"}]
    source = CiteProcJSON(items)
    bibliography = CitationStylesBibliography(CitationStylesStyle("harvard-cite-them-right", validate=False), source, formatter.plain)
    bibliography.register(Citation([CitationItem(liver["id"].lower())]))
    rendered = str(bibliography.bibliography()[0])
    assert "Hepatic arterial infusion of MSCs" in rendered and "Stem Cell Research & Therapy" in rendered and "2025" in rendered


# --- the command ---------------------------------------------------------------------------------


def test_output_file_and_a_count_on_stderr(enriched, tmp_path):
    target = tmp_path / "cited.bib"
    result = medarchive("cite", "--db", str(enriched), "--format", "bibtex", "-o", str(target))
    assert result.returncode == 0 and result.stdout == ""
    assert result.stderr.strip() == f"3 cited works written to {target}"
    assert len(read_bibtex(target.read_text(encoding="utf-8"))) == 3


@pytest.mark.parametrize(
    "options, message",
    [
        (["--format", "endnote"], "'endnote' is not one of 'ris', 'bibtex', 'csl-json'"),
        (["--format", "ris", "--query", '"unclosed'], "cannot read the query"),
        (["--format", "ris", "-o", "/nonexistent/dir/x.ris"], "the directory /nonexistent/dir does not exist; create it or choose another -o"),
    ],
)
def test_bad_input_gets_one_line_and_no_traceback(enriched, options, message):
    result = medarchive("cite", "--db", str(enriched), *options)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr


# --- before enrich: the fields the reference entry printed ---------------------------------------

SEED_DOI = "10.1177/2050313x251386547"
SEED_REFERENCE = ("Yusof B, Foo RQ, Ravichandran M, Sa’ad MA, Tham SK. A case report on nebulized human umbilical cord mesenchymal"
                  " stem cell-derived exosome therapy for asthma and chronic obstructive pulmonary disease: A preliminary clinical"
                  " evaluation. SAGE Open Med Case Rep. 2026 Jan 27;14:2050313X251386547. doi: 10.1177/2050313X251386547."
                  " PMCID: PMC12855734.")
GBT_DOI = "10.11958/20231452"
GBT_REFERENCE = f"张三, 李四. 哮喘的干细胞治疗研究进展[J]. 中华医学杂志, 2020, 100(5): 321-325. DOI:{GBT_DOI}"


@pytest.fixture
def printed(tmp_path):
    """An archive not enriched whose article prints a Vancouver and a GB/T 7714 reference entry."""
    (tmp_path / "printed").mkdir()
    return written_archive(tmp_path / "printed", [
        article(A, "雾化外泌体治疗哮喘", "病例报告[1][2]。", dois=[SEED_DOI, GBT_DOI], pmcids=["PMC12855734"], references=[
            {"position": 1, "text": SEED_REFERENCE, "doi": SEED_DOI, "pmcid": "PMC12855734"},
            {"position": 2, "text": GBT_REFERENCE, "doi": GBT_DOI},
        ]),
    ])


def test_before_enrich_bibtex_entries_carry_the_fields_the_reference_entry_printed(printed):
    entries = read_bibtex(cite(printed, "bibtex"))
    seed = entries[f"doi:{SEED_DOI}"]
    assert seed["type"] == "article"
    assert seed["title"].startswith("A case report on nebulized human umbilical cord") and seed["journal"] == "SAGE Open Med Case Rep"
    assert seed["author"] == "Yusof, B and Foo, RQ and Ravichandran, M and Sa’ad, MA and Tham, SK"
    assert (seed["year"], seed["volume"], seed["pages"]) == ("2026", "14", "2050313X251386547")
    gbt = entries[f"doi:{GBT_DOI}"]
    assert (gbt["type"], gbt["title"], gbt["journal"], gbt["author"]) == ("article", "哮喘的干细胞治疗研究进展", "中华医学杂志", "张三 and 李四")
    assert (gbt["year"], gbt["volume"], gbt["number"], gbt["pages"]) == ("2020", "100", "5", "321–325")


def test_before_enrich_pybtex_reads_the_printed_names_as_surname_and_initials(printed):
    library = pybtex.database.parse_string(cite(printed, "bibtex"), "bibtex")
    first = library.entries[f"doi:{SEED_DOI}"].persons["author"][0]
    assert (first.last_names, first.first_names) == (["Yusof"], ["B"])


def test_before_enrich_ris_records_are_journal_articles_with_the_printed_fields(printed):
    records = {record["doi"]: record for record in rispy.loads(cite(printed, "ris"))}
    gbt = records[GBT_DOI]
    assert gbt["type_of_reference"] == "JOUR"
    assert (gbt["title"], gbt["secondary_title"], gbt["authors"]) == ("哮喘的干细胞治疗研究进展", "中华医学杂志", ["张三", "李四"])
    assert (gbt["year"], gbt["volume"], gbt["number"], gbt["start_page"], gbt["end_page"]) == ("2020", "100", "5", "321", "325")


def test_before_enrich_csl_json_is_valid_and_renders_the_printed_title(printed):
    items = json.loads(cite(printed, "csl-json"))
    jsonschema.validate(items, CSL_SCHEMA)
    seed = next(item for item in items if item.get("DOI") == SEED_DOI)
    assert seed["type"] == "article-journal" and seed["issued"] == {"date-parts": [[2026]]}
    bibliography = CitationStylesBibliography(CitationStylesStyle("harvard-cite-them-right", validate=False), CiteProcJSON(items), formatter.plain)
    bibliography.register(Citation([CitationItem(seed["id"].lower())]))
    rendered = str(bibliography.bibliography()[0])
    assert "A case report on nebulized" in rendered and "SAGE Open Med Case Rep" in rendered and "Yusof" in rendered


def test_enriched_values_win_over_the_printed_ones_and_printed_ones_fill_what_enrich_left_out(printed):
    with sqlite3.connect(printed) as conn:
        conn.execute("insert into works (doi, title, container_title, type, year, authors) values (?, ?, ?, 'journal-article', 2019, ?)",
                     [GBT_DOI, "Stem cell therapy of asthma: a review", "Natl Med J China", json.dumps([{"family": "Zhang", "given": "San"}])])
    gbt = read_bibtex(cite(printed, "bibtex"))[f"doi:{GBT_DOI}"]
    assert (gbt["title"], gbt["journal"], gbt["year"], gbt["author"]) == ("Stem cell therapy of asthma: a review", "Natl Med J China", "2019", "Zhang, San")
    assert (gbt["volume"], gbt["pages"]) == ("100", "321–325")


def test_a_printed_title_with_lone_braces_stays_inside_its_field(tmp_path):
    doi = "10.1016/s0140-6736.2020.30001"
    path = written_archive(tmp_path, [article(A, "正文标题", "正文。", dois=[doi], references=[
        {"position": 1, "text": f"Evil X. {CLOSING_TITLE}. Lancet. 2020;1:1. doi: {doi}", "doi": doi}])])
    text = cite(path, "bibtex")
    assert list(pybtex.database.parse_string(text, "bibtex").entries) == [f"doi:{doi}"]
    title = bibtexparser.parse_string(text).entries[0].fields_dict["title"].value
    assert title == r"x\textbraceright{} @misc\{evil, title=\{pwned\}\}"
