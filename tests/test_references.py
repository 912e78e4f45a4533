import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.extraction.references import (
    dois_in_urls,
    find_dois,
    find_pmcids,
    find_pmids,
    normalize_doi,
    parse_references,
    split_reference_entries,
)

PORTAL_LINE = (
    "[1]:Zhang Y, Li X, et al. Umbilical cord mesenchymal stem cells for knee osteoarthritis: "
    "a randomized trial. Cell Transplantation. 2025 Jan 20. doi: 10.1177/09636897241312345. "
    "PMCID: PMC11751234."
)

# --- normalize_doi ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, doi",
    [
        pytest.param("10.1038/s41586-020-2012-7", "10.1038/s41586-020-2012-7", id="bare"),
        pytest.param("doi:10.1038/ABC", "10.1038/abc", id="doi-colon-lowercased"),
        pytest.param("DOI：10.3969/cmba.j.issn.1673-713X", "10.3969/cmba.j.issn.1673-713x", id="fullwidth-colon"),
        pytest.param("DOI 10.1000/xyz123", "10.1000/xyz123", id="doi-space"),
        pytest.param("https://doi.org/10.1000/xyz123", "10.1000/xyz123", id="https-doi-org"),
        pytest.param("http://dx.doi.org/10.1000/xyz123", "10.1000/xyz123", id="http-dx-doi-org"),
        pytest.param("doi.org/10.1000/xyz123", "10.1000/xyz123", id="doi-org-no-scheme"),
        pytest.param("https://doi.org/10.1016%2Fj.jcyt.2024.01.002", "10.1016/j.jcyt.2024.01.002", id="percent-encoded"),
        pytest.param("https://doi.org/10.1000/xyz123?utm_source=x", "10.1000/xyz123", id="url-query"),
        pytest.param("https://doi.org/10.1000/xyz123#sec1", "10.1000/xyz123", id="url-fragment"),
        pytest.param("10.1000/xyz123.", "10.1000/xyz123", id="trailing-dot"),
        pytest.param("10.1000/xyz123。", "10.1000/xyz123", id="trailing-fullwidth-stop"),
        pytest.param("10.1000/xyz123，", "10.1000/xyz123", id="trailing-fullwidth-comma"),
        pytest.param("10.1000/xyz123；", "10.1000/xyz123", id="trailing-fullwidth-semicolon"),
        pytest.param("10.1000/xyz123）", "10.1000/xyz123", id="trailing-fullwidth-paren"),
        pytest.param('10.1000/xyz123">', "10.1000/xyz123", id="trailing-quote-angle"),
        pytest.param("10.1000/xyz123],", "10.1000/xyz123", id="trailing-bracket-comma"),
        pytest.param("10.1016/S0140-6736(25)01234-5", "10.1016/s0140-6736(25)01234-5", id="inner-parens"),
        pytest.param("10.1002/(SICI)1097(199706)", "10.1002/(sici)1097(199706)", id="balanced-trailing-paren"),
        pytest.param("10.1000/xyz123)", "10.1000/xyz123", id="unbalanced-trailing-paren"),
        pytest.param("10.1000.10/abc", "10.1000.10/abc", id="registrant-subdivision"),
        pytest.param("10.10.123/456", "10.10.123/456", id="short-registrant-with-subdivision"),
        pytest.param("10/aabbe", "10/aabbe", id="short-doi"),
        pytest.param("doi:10/b6vnmd", "10/b6vnmd", id="short-doi-labelled"),
        pytest.param("https://doi.org/10/b6vnmd#anchor", "10/b6vnmd", id="short-doi-url"),
        pytest.param("10.1016/üникóδé-дôΐ", "10.1016/üникóδé-дôΐ", id="non-ascii-suffix"),
        pytest.param(
            "10.1002/(SICI)1096-8644(199808)106:4<483::AID-AJPA4>3.0.CO;2-K",
            "10.1002/(sici)1096-8644(199808)106:4<483::aid-ajpa4>3.0.co;2-k",
            id="sici",
        ),
        pytest.param(
            "https://www.biorxiv.org/content/10.1101/2019.12.11.872580v1.full.pdf",
            "10.1101/2019.12.11.872580",
            id="biorxiv-version-and-format",
        ),
        pytest.param("https://www.medrxiv.org/content/10.1101/2020.03.04.20031120v4.full-text", "10.1101/2020.03.04.20031120", id="medrxiv"),
        pytest.param("https://www.biorxiv.org/content/early/2017/08/31/087619.full.pdf", "10.1101/087619", id="biorxiv-early"),
        pytest.param("https://www.researchsquare.com/article/rs-123456/v2", "10.21203/rs.3.rs-123456/v2", id="research-square"),
        pytest.param("https://papers.ssrn.com/sol3/papers.cfm?abstract_id=3556789", "10.2139/ssrn.3556789", id="ssrn"),
        pytest.param("https://arxiv.org/abs/2101.00001", "10.48550/arxiv.2101.00001", id="arxiv-doi"),
    ],
)
def test_normalize_doi(raw, doi):
    assert normalize_doi(raw) == doi


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param("not a doi", id="words"),
        pytest.param("10.1000/", id="empty-suffix"),
        pytest.param("10.1000/.-", id="suffix-without-alphanumerics"),
        pytest.param("10.123/abc", id="registrant-too-short"),
        pytest.param("10/134980", id="short-doi-needs-a-letter"),
        pytest.param("doi:10/b6v_nmd", id="short-doi-underscore"),
        pytest.param("11.1000/abc", id="not-ten"),
        pytest.param("10.1000/中文", id="cjk-suffix"),
        pytest.param("https://doi.org/", id="url-without-doi"),
    ],
)
def test_normalize_doi_rejects_non_dois(raw):
    assert normalize_doi(raw) is None


# --- find_dois ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, dois",
    [
        pytest.param(
            "见 10.1002/(SICI)1096-8644(199808)106:4<483::AID-AJPA4>3.0.CO;2-K。",
            ["10.1002/(sici)1096-8644(199808)106:4<483::aid-ajpa4>3.0.co;2-k"],
            id="sici-in-running-text",
        ),
        pytest.param("{{cite|...|doi=10.0000/m2|pmid=10559875}}", ["10.0000/m2"], id="template-field"),
        pytest.param("doi: 10.1177/0002764212469365</ref>.", ["10.1177/0002764212469365"], id="closing-tag"),
        pytest.param("<!-- 10.2387/234310.2347/39423-->", ["10.2387/234310.2347/39423"], id="html-comment"),
        pytest.param("doi:10/b6vnmd 与 10/20 例", ["10/b6vnmd"], id="short-doi-only-when-labelled"),
        pytest.param("10.1170/foo<bar>(herp)derp", ["10.1170/foo<bar>(herp)derp"], id="angle-word-inside"),
        pytest.param("doi:10.1000/abc<br>Next line", ["10.1000/abc"], id="html-tag-ends-it"),
        pytest.param("10.1000/abc<b>中文", ["10.1000/abc"], id="tag-before-cjk-ends-it"),
        pytest.param("预印本 https://www.biorxiv.org/content/10.1101/2019.12.11.872580v1.full.pdf", ["10.1101/2019.12.11.872580"], id="preprint-link"),
    ],
)
def test_find_dois_in_markup_and_preprints(text, dois):
    assert find_dois(text) == dois


def test_template_pubmed_fields():
    text = "{{cite|pmid = 2|pmc = PMC4|doi=10.1000/x}}"
    assert (find_pmids(text), find_pmcids(text)) == (["2"], ["PMC4"])


@pytest.mark.parametrize(
    "text, doi",
    [
        pytest.param("doi: 10.1177/09636897251234567.", "10.1177/09636897251234567", id="doi-label-trailing-dot"),
        pytest.param(
            "DOI：10.3969/cmba.j.issn.1673-713X.2013.05.005", "10.3969/cmba.j.issn.1673-713x.2013.05.005", id="fullwidth-colon"
        ),
        pytest.param("见 https://doi.org/10.1038/s41586-020-2012-7 全文", "10.1038/s41586-020-2012-7", id="doi-org-url"),
        pytest.param("dx.doi.org/10.1000/xyz123", "10.1000/xyz123", id="dx-doi-org"),
        pytest.param("DOI:\n10.1186/s13287-025-04123-9", "10.1186/s13287-025-04123-9", id="split-over-line"),
        pytest.param("文献标志码:ADOI:10.11958/20230440", "10.11958/20230440", id="glued-to-preceding-text"),
        pytest.param("10.1002/sctm.21-0123。该研究", "10.1002/sctm.21-0123", id="followed-by-fullwidth-stop"),
        pytest.param("10.1002/sctm.21-0123该研究", "10.1002/sctm.21-0123", id="followed-by-cjk"),
        pytest.param("（DOI：10.1002/sctm.21-0123）", "10.1002/sctm.21-0123", id="in-fullwidth-parens"),
        pytest.param("(doi:10.1000/xyz123)", "10.1000/xyz123", id="in-ascii-parens"),
        pytest.param("Lancet. doi:10.1016/S0140-6736(25)01234-5.", "10.1016/s0140-6736(25)01234-5", id="inner-parens"),
        pytest.param('<a href="https://doi.org/10.1000/xyz123">', "10.1000/xyz123", id="markup-quote"),
        pytest.param("https://x.org/doi/10.1000/xyz123?viewType=HTML", "10.1000/xyz123", id="printed-link-query"),
        pytest.param("DOI: 10.1000/xyz123 PMID: 12345678", "10.1000/xyz123", id="followed-by-pmid"),
    ],
)
def test_find_dois_shapes(text, doi):
    assert find_dois(text) == [doi]


def test_find_dois_unique_in_order_of_first_appearance():
    text = "doi:10.2000/b; doi:10.1000/a. 又见 https://doi.org/10.2000/B"
    assert find_dois(text) == ["10.2000/b", "10.1000/a"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("细胞剂量 1.0×10^6/kg，每周一次", id="cell-dose"),
        pytest.param("发生率为 10.5/100 人年", id="rate"),
        pytest.param("占比 10.1%，较去年上升", id="percent"),
        pytest.param("升级到 v10.12.3/beta 版本", id="version"),
        pytest.param("发布于 2025.10.12", id="dotted-date"),
        pytest.param("2025.10.1234/5 期", id="date-glued-to-slash"),
        pytest.param("编号 210.12345/abc", id="preceded-by-digit"),
        pytest.param("10.1234/ 后面是空格", id="empty-suffix"),
    ],
)
def test_find_dois_ignores_numbers_that_are_not_dois(text):
    assert find_dois(text) == []


@given(
    registrant=st.from_regex(r"[0-9]{4,9}(\.[0-9]{1,3})?", fullmatch=True),
    suffix=st.lists(
        st.one_of(
            st.from_regex(r"[A-Za-z0-9._/-]{0,8}", fullmatch=True),
            st.from_regex(r"[A-Za-z0-9._/-]{0,6}", fullmatch=True).map(lambda s: f"({s})"),
        ),
        max_size=5,
    ).map("".join),
    last=st.one_of(st.from_regex(r"[A-Za-z0-9]", fullmatch=True), st.just("(1)")),
)
def test_find_dois_round_trips_valid_dois(registrant, suffix, last):
    doi = f"10.{registrant}/{suffix}{last}"
    assert find_dois(f"参考文献 doi:{doi}。") == [doi.lower()]


# --- dois_in_urls -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, doi",
    [
        pytest.param("https://doi.org/10.1038/s41586-020-2012-7", "10.1038/s41586-020-2012-7", id="doi-org"),
        pytest.param(
            "https://www.xxx.com/article/doi/10.3760/cma.j.cn112137-20230101-00001?viewType=HTML",
            "10.3760/cma.j.cn112137-20230101-00001",
            id="portal-doi-path-with-query",
        ),
        pytest.param("https://onlinelibrary.wiley.com/doi/full/10.1002/sctm.21-0123", "10.1002/sctm.21-0123", id="doi-full"),
        pytest.param("https://onlinelibrary.wiley.com/doi/abs/10.1002/sctm.21-0123", "10.1002/sctm.21-0123", id="doi-abs"),
        pytest.param("https://onlinelibrary.wiley.com/doi/pdf/10.1002/sctm.21-0123", "10.1002/sctm.21-0123", id="doi-pdf"),
        pytest.param("https://doi.org/10.1016%2Fj.jcyt.2024.01.002", "10.1016/j.jcyt.2024.01.002", id="percent-encoded"),
        pytest.param("https://www.frontiersin.org/articles/10.3389/fimmu.2023.1234/full", "10.3389/fimmu.2023.1234", id="tail-full"),
        pytest.param("https://x.org/search?doi=10.1000/xyz&lang=zh", "10.1000/xyz", id="query-parameter"),
    ],
)
def test_dois_in_urls_shapes(url, doi):
    assert dois_in_urls([url]) == [doi]


def test_dois_in_urls_unique_in_order_and_skips_other_links():
    urls = [
        "https://www.ncbi.nlm.nih.gov/pubmed/12345678",
        "https://doi.org/10.2000/B",
        "",
        "https://onlinelibrary.wiley.com/doi/full/10.1000/a",
        "https://doi.org/10.2000/b",
    ]
    assert dois_in_urls(urls) == ["10.2000/b", "10.1000/a"]


# --- PMIDs and PMCIDs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("PMID: 12345678", id="label-colon"),
        pytest.param("PMID：12345678", id="label-fullwidth-colon"),
        pytest.param("PMID 12345678", id="label-space"),
        pytest.param("见PMID:12345678。", id="glued-to-cjk"),
        pytest.param("https://pubmed.ncbi.nlm.nih.gov/12345678/", id="pubmed-url"),
        pytest.param("https://www.ncbi.nlm.nih.gov/pubmed/12345678", id="ncbi-pubmed-url"),
    ],
)
def test_find_pmids_shapes(text):
    assert find_pmids(text) == ["12345678"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("共纳入 12345678 例", id="bare-number"),
        pytest.param("PMID: 123456789", id="too-many-digits"),
        pytest.param("PMCID: PMC1234567", id="pmcid-is-not-pmid"),
    ],
)
def test_find_pmids_needs_label_or_link(text):
    assert find_pmids(text) == []


def test_find_pmids_unique_in_order():
    assert find_pmids("PMID: 2; pubmed.ncbi.nlm.nih.gov/1 PMID 2") == ["2", "1"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("PMCID: PMC1234567", id="label"),
        pytest.param("PMCID：PMC1234567", id="label-fullwidth-colon"),
        pytest.param("PMCID: 1234567", id="label-without-prefix"),
        pytest.param("全文见PMC1234567。", id="standalone"),
        pytest.param("pmc1234567", id="lowercase"),
        pytest.param("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1234567/", id="ncbi-pmc-url"),
        pytest.param("https://pmc.ncbi.nlm.nih.gov/articles/PMC1234567", id="pmc-url"),
    ],
)
def test_find_pmcids_shapes(text):
    assert find_pmcids(text) == ["PMC1234567"]


def test_find_pmcids_ignores_pmc_inside_words():
    assert find_pmcids("SPMC1234567 和 PMC 型号") == []


# --- split_reference_entries --------------------------------------------------------------


@pytest.mark.parametrize(
    "marker",
    ["[1]", "[1]:", "[1]：", "【1】", "1.", "1、", "(1)", "（1）", "1)"],
)
def test_split_drops_each_marker_shape(marker):
    lines = [f"{marker} Zhang Y. First.", f"{marker.replace('1', '2')} Li X. Second."]
    assert split_reference_entries(lines) == ["Zhang Y. First.", "Li X. Second."]


def test_split_joins_continuation_lines_with_a_space():
    lines = ["[1] Zhang Y. Stem cells. Cell Transplant. 2025.", "DOI:", "10.1186/s13287-025-04123-9"]
    entries = split_reference_entries(lines)
    assert entries == ["Zhang Y. Stem cells. Cell Transplant. 2025. DOI: 10.1186/s13287-025-04123-9"]
    assert find_dois(entries[0]) == ["10.1186/s13287-025-04123-9"]


def test_split_joins_cjk_continuation_without_space():
    assert split_reference_entries(["[1] 张三. 干细胞治疗", "研究[J]. 中华医学杂志"]) == ["张三. 干细胞治疗研究[J]. 中华医学杂志"]


def test_split_does_not_take_a_doi_or_decimal_line_for_a_marker():
    lines = ["1. Zhang Y. Trial. doi:", "10.1177/09636897241312345", "1.5 mg/kg arm", "2. Li X. Other."]
    assert split_reference_entries(lines) == [
        "Zhang Y. Trial. doi: 10.1177/09636897241312345 1.5 mg/kg arm",
        "Li X. Other.",
    ]


def test_split_does_not_take_a_journal_issue_for_a_marker():
    assert split_reference_entries(["[1] 张三. 中华医学杂志, 2023, 103", "(1):1-5."]) == ["张三. 中华医学杂志, 2023, 103 (1):1-5."]


def test_split_without_markers_makes_every_nonempty_line_an_entry():
    assert split_reference_entries(["Zhang Y. First.", "", "   ", "Li X. Second."]) == ["Zhang Y. First.", "Li X. Second."]


def test_split_keeps_lines_before_the_first_marker():
    assert split_reference_entries(["（上下滑动查看）", "[1] Zhang Y."]) == ["（上下滑动查看）", "Zhang Y."]


def test_split_of_nothing_is_nothing():
    assert split_reference_entries([]) == []


# --- parse_references ---------------------------------------------------------------------


def test_parse_references_portal_line():
    assert parse_references([PORTAL_LINE], []) == [
        {
            "position": 1,
            "text": PORTAL_LINE.removeprefix("[1]:"),
            "doi": "10.1177/09636897241312345",
            "pmid": None,
            "pmcid": "PMC11751234",
        }
    ]


def test_parse_references_numbers_positions_and_finds_pmids():
    refs = parse_references(["[1] A. PMID: 111.", "[2] B. PMID：222；PMID 333"], [])
    assert [(r["position"], r["pmid"]) for r in refs] == [(1, "111"), (2, "222")]


def test_parse_references_fills_missing_dois_from_links_when_counts_match():
    lines = ["[1] A. doi:10.1000/a", "[2] B.", "[3] C."]
    hrefs = ["https://doi.org/10.1000/a", "https://doi.org/10.1000/b", "https://x.org/doi/full/10.1000/c"]
    assert [r["doi"] for r in parse_references(lines, hrefs)] == ["10.1000/a", "10.1000/b", "10.1000/c"]


def test_parse_references_leaves_dois_missing_when_link_counts_differ():
    lines = ["[1] A.", "[2] B.", "[3] C."]
    hrefs = ["https://doi.org/10.1000/b", "https://doi.org/10.1000/c"]
    assert [r["doi"] for r in parse_references(lines, hrefs)] == [None, None, None]
