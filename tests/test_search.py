"""Chinese full-text search: recall and precision against a brute-force scan, keeping the
index in step with edits, and queries that must be refused with a clear message."""

import json
import random
import unicodedata
import sqlite3

import pytest

from conftest import medarchive, written_archive

from archive import citations, cjkfts, export, open_archive, search, search_index, writer
from archive.schema import MIGRATIONS
from archive.search import QuerySyntaxError
from archive.selection import Selection

# --- a small local article generator ---------------------------------------------------

#: No term is a substring of another Latin term's token, so token matching equals substring
#: matching for them (the designed gap, ``CT`` inside ``RCT``, is tested separately).
CJK_TERMS = [
    "哮喘", "支气管哮喘", "慢阻肺", "外泌体", "间充质干细胞", "肺癌", "糖尿病", "高血压", "炎症", "皮炎",
    "症状", "免疫治疗", "临床试验", "心肌梗死", "阿尔茨海默病", "帕金森病", "脐带", "骨髓", "移植", "患者",
    "儿童", "疫苗", "抗体", "肿瘤", "基因", "细胞", "治疗", "研究", "医院", "专家",
]
TRADITIONAL_TERMS = ["醫療", "腫瘤", "臨床試驗", "幹細胞", "糖尿病", "哮喘"]
LATIN_TERMS = ["COPD", "EGFR", "JAK1", "hUCMSC-Exo", "PD-1", "CAR-T", "mRNA", "Lancet", "NEJM", "RCT"]
FILLER = "的一是在了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
LATIN_FILLER = ["study", "patients", "therapy", "the", "of", "and", "trial", "cells"]
CATEGORIES = ["干细胞", "呼吸", "肿瘤", "心血管"]


def _sentence(rng: random.Random, vocabulary: list[str]) -> str:
    parts = []
    for _ in range(rng.randint(3, 8)):
        roll = rng.random()
        if roll < 0.35:
            parts.append(rng.choice(vocabulary))
        elif roll < 0.45:
            parts.append(rng.choice(LATIN_TERMS + LATIN_FILLER))
        else:
            parts.append("".join(rng.choice(FILLER) for _ in range(rng.randint(1, 6))))
    # CJK is written solid; Latin words are set off by a space, or by nothing where they
    # meet Chinese (COPD患者), as in real text.
    text = ""
    for part in parts:
        latin = part[0].isascii()
        if text and latin and text[-1].isascii() or text and (latin or text[-1].isascii()) and rng.random() < 0.5:
            text += " "
        text += part
    return text + rng.choice("。；，！？")


def make_article(i: int, rng: random.Random, *, chars: int = 400) -> dict:
    """One synthetic article: Simplified text (every 10th in Traditional terms), Latin terms, a DOI."""
    vocabulary = CJK_TERMS + (TRADITIONAL_TERMS if i % 10 == 0 else [])
    body = ""
    while len(body) < chars:
        body += _sentence(rng, vocabulary)
        if rng.random() < 0.2:
            body += "\n"
    doi = f"10.{1000 + i % 50}/{rng.randint(10**12, 10**13 - 1)}"
    year = 2020 + i % 6
    published = f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}"
    return {
        "url": f"https://site.example/a/{i}.html",
        "site": "https://site.example",
        "title": _sentence(rng, vocabulary)[:30],
        "body": body + f"\n原文 doi: {doi}",
        "body_html": "<p>" + body.replace("\n", "</p><p>") + "</p>",
        "category": CATEGORIES[i % len(CATEGORIES)],
        "published": published,
        "published_raw": published,
        "disclaimer": "免责声明：本文仅供参考，不构成医疗建议。",
        "references": [{"position": 1, "text": f"Wang L. 外泌体与慢阻肺. doi:{doi}", "doi": doi}],
        "dois": [doi],
        "neighbours": [],
        "aliases": [],
    }


def make_articles(n: int, seed: int = 7, **kwargs) -> list[dict]:
    rng = random.Random(seed)
    return [make_article(i, rng, **kwargs) for i in range(n)]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    db = open_archive(tmp_path_factory.mktemp("search") / "a.db")
    articles = make_articles(600)
    for start in range(0, len(articles), 100):
        writer.write_batch(db, articles[start : start + 100])
    yield db
    db.close()


@pytest.fixture
def fresh(tmp_path):
    db = open_archive(tmp_path / "a.db")
    yield db
    db.close()


def found(db, query, **kwargs) -> set[str]:
    return {hit["url"] for hit in search.search(db, query, limit=100_000, **kwargs)}


def scan(db, *needles) -> set[str]:
    """The answer key as typed: articles whose title or body contains every needle (case-insensitive)."""
    where = " and ".join("instr(lower(title || char(10) || body), lower(?)) > 0" for _ in needles)
    return {row[0] for row in db.execute(f"select url from articles where {where}", needles)}


def folded(text: str) -> str:
    """``text`` folded to Simplified line by line, as the index folds it."""
    return "\n".join(cjkfts.to_simplified(line) for line in text.split("\n"))


def scan_either_script(db, *needles) -> set[str]:
    """The answer key in both scripts: articles whose title or body contains each needle as
    typed, or folded in the text folded line by line (case-insensitive)."""
    hits = set()
    for url, text in db.execute("select url, title || char(10) || body from articles"):
        typed, simplified = text.lower(), folded(text).lower()
        if all(n.lower() in typed or cjkfts.to_simplified(n).lower() in simplified for n in needles):
            hits.add(url)
    return hits


# --- recall and precision ----------------------------------------------------------------

QUERIES = {
    "1 character": ["哮", "癌", "泌", "体", "症", "醫"],
    "2 characters": ["哮喘", "炎症", "肺癌", "气管", "干细", "腫瘤"],
    "3 characters": ["外泌体", "慢阻肺", "糖尿病", "管哮喘", "细胞治"],
    "4+ characters": ["支气管哮喘", "间充质干细胞", "阿尔茨海默病", "臨床試驗"],
    "Latin, any case": ["COPD", "copd", "Egfr", "mrna", "MRNA", "Lancet", "JAK1"],
    "Latin with punctuation": ["hUCMSC-Exo", "PD-1", "car-t"],
    "Traditional": ["醫療", "腫瘤", "幹細胞", "臨床試驗"],
    "Simplified, also written in Traditional": ["医疗", "肿瘤", "干细胞", "临床试验", "医"],
}
ALL_QUERIES = [pytest.param(q, id=f"{kind}:{q}") for kind, queries in QUERIES.items() for q in queries]


@pytest.mark.parametrize("query", ALL_QUERIES)
def test_search_finds_exactly_what_a_scan_of_the_text_and_its_folding_finds(archive, query):
    expected = scan_either_script(archive, query)
    assert expected, f"the generator should produce articles containing {query!r}"
    assert found(archive, query) == expected


@pytest.mark.parametrize("query", ALL_QUERIES)
def test_an_exact_script_search_finds_exactly_what_a_substring_scan_finds(archive, query):
    assert found(archive, query, exact_script=True) == scan(archive, query)


@pytest.mark.parametrize("terms", [("哮喘", "COPD"), ("外泌体", "慢阻肺", "egfr"), ("哮", "PD-1"), ("肺癌", "醫療"), ("肺癌", "医疗")])
def test_words_separated_by_spaces_are_all_required(archive, terms):
    expected = scan_either_script(archive, *terms)
    assert expected
    assert found(archive, " ".join(terms)) == expected


def test_a_term_mixing_latin_and_chinese_matches_them_adjacent_or_separated(archive):
    adjacent = scan(archive, "COPD患者")
    hits = found(archive, "COPD患者")
    assert adjacent and adjacent <= hits
    for url in hits:  # every extra hit has only a space between the parts
        text = archive.execute("select title || char(10) || body from articles where url = ?", [url]).fetchone()[0]
        assert "COPD患者" in text or "COPD 患者" in text


def test_a_doi_is_found_as_a_phrase(archive):
    doi = archive.execute("select doi from article_dois order by doi limit 1").fetchone()[0]
    assert found(archive, doi) == scan(archive, doi)
    assert len(found(archive, doi)) >= 1


def test_a_quoted_phrase_keeps_its_words_together(archive):
    assert found(archive, '"COPD EGFR"') == {
        url for url in scan(archive, "COPD EGFR")
    }
    assert found(archive, '"支气管哮喘"') == scan(archive, "支气管哮喘")


def test_or_and_exclusion(archive):
    assert found(archive, "外泌体 OR 慢阻肺") == scan(archive, "外泌体") | scan(archive, "慢阻肺")
    assert found(archive, "哮喘 -COPD") == scan(archive, "哮喘") - scan(archive, "COPD")
    assert found(archive, "哮喘 -COPD") < found(archive, "哮喘")


def test_latin_substrings_inside_longer_tokens_are_not_found(archive):
    # The designed gap of token matching: CT is in RCT, but is not a word of its own here.
    assert scan(archive, "CT") and not found(archive, "CT") - scan(archive, " CT ")


def test_a_traditional_query_also_finds_the_simplified_spelling(archive):
    assert found(archive, "腫瘤") == scan(archive, "腫瘤") | scan(archive, "肿瘤")
    assert cjkfts.to_simplified("臨床試驗") == "临床试验"


def test_a_simplified_query_also_finds_articles_written_in_traditional(archive):
    written_traditional = scan(archive, "幹細胞") - scan(archive, "干细胞")
    assert written_traditional
    assert found(archive, "干细胞") == scan(archive, "干细胞") | written_traditional
    assert found(archive, "干细胞", exact_script=True) == scan(archive, "干细胞")
    assert found(archive, "-干细胞 细胞") == scan(archive, "细胞") - scan(archive, "干细胞") - written_traditional


def test_folding_merges_characters_of_two_meanings_so_a_query_for_one_finds_both(fresh):
    articles = make_articles(3, seed=4)
    articles[0]["body"] = "乾隆年间的医书。"  # 乾 of a name: t2s keeps the phrase as it is
    articles[1]["body"] = "若干患者。"  # Simplified 干
    articles[2]["body"] = "皮膚乾燥。"  # 乾 (dry): t2s folds it to 干
    for article in articles:
        article["title"] = "标题"
    writer.write_batch(fresh, articles)
    urls = [a["url"] for a in articles]
    assert found(fresh, "乾") == set(urls)  # as typed in 0 and 2; folded to 干 in 1 and 2
    assert found(fresh, "乾", exact_script=True) == {urls[0], urls[2]}
    assert found(fresh, "干") == {urls[1], urls[2]}  # 乾隆 is not folded: not found by 干


def test_export_and_cite_queries_find_both_scripts_as_search_does(fresh):
    rng = random.Random(3)
    articles = [make_article(i, rng) | {"title": "标题", "body": body} for i, body in enumerate(["幹細胞移植。", "干细胞移植。", "其他。"])]
    writer.write_batch(fresh, articles)
    expected = {a["url"] for a in articles[:2]}
    assert found(fresh, "干细胞") == expected
    assert {row["url"] for row in export.article_rows(fresh, query="干细胞")} == expected
    assert {citing.url for work in citations.cited_works(fresh.conn, "干细胞") for citing in work.citing} == expected


def test_a_snippet_highlights_a_simplified_query_in_traditional_text(fresh):
    article = make_article(1, random.Random(1)) | {"title": "标题", "body": "前言。造血幹細胞移植的療效。"}
    writer.write_batch(fresh, [article])
    assert "[幹細胞]" in search.search(fresh, "干细胞")[0]["snippet"]


def test_the_simplified_spelling_covers_characters_beyond_a_short_list():
    # 節 was missing from the hand-written table, so `search 骨關節炎 --simplified` found nothing.
    assert cjkfts.to_simplified("骨關節炎") == "骨关节炎"
    assert cjkfts.to_simplified("政策法規與幹細胞") == "政策法规与干细胞"


def test_the_search_command_finds_both_scripts_unless_told_to_search_as_typed(tmp_path):
    rng = random.Random(2)
    articles = [make_article(i, rng) | {"title": "标题", "body": body} for i, body in enumerate(["幹細胞移植。", "干细胞移植。"])]
    db_path = str(written_archive(tmp_path, articles))
    both = medarchive("search", "干细胞", "--db", db_path, "--json")
    typed = medarchive("search", "干细胞", "--db", db_path, "--json", "--exact-script")
    kept = medarchive("search", "干细胞", "--db", db_path, "--json", "--simplified")
    assert {hit["url"] for hit in json.loads(both.stdout)} == {a["url"] for a in articles}
    assert [hit["url"] for hit in json.loads(typed.stdout)] == [articles[1]["url"]]
    assert kept.stdout == both.stdout


def test_the_search_command_refuses_both_scripts_and_exact_script_at_once(tmp_path):
    result = medarchive("search", "干细胞", "--db", str(tmp_path / "a.db"), "--simplified", "--exact-script")
    assert result.returncode == 2
    assert "give one of them" in result.stderr and "Traceback" not in result.stderr


def test_references_and_disclaimer_are_searched_only_when_asked(archive):
    assert not found(archive, "免责声明")
    assert len(found(archive, "免责声明", include_disclaimer=True)) == 600
    only_in_refs = found(archive, "Wang", include_references=True)
    assert len(only_in_refs) == 600 and not found(archive, "Wang")


def test_results_are_ranked_filtered_and_carry_a_highlighted_snippet(archive):
    hits = search.search(archive, "哮喘", limit=5)
    assert len(hits) == 5
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert set(hits[0]) == {"url", "title", "published", "category", "snippet", "score", "ranked_by"}
    assert all("[哮喘]" in h["snippet"] or "哮喘" in h["title"] for h in hits)
    # A title hit outranks the same hit in the body only.
    titled = [h for h in search.search(archive, "哮喘", limit=100_000) if "哮喘" in h["title"]]
    assert titled and search.search(archive, "哮喘", limit=1)[0]["url"] in {h["url"] for h in titled}
    recent = search.search(archive, "哮喘", selection=Selection(since="2025-01-01", category="呼吸"), limit=100_000)
    assert recent and all(h["published"] >= "2025-01-01" and h["category"] == "呼吸" for h in recent)
    html_hit = search.search(archive, "copd", limit=1, markup="html")[0]
    assert "<mark>COPD</mark>" in html_hit["snippet"]


def test_html_snippets_escape_the_body(fresh):
    article = make_article(1, random.Random(1)) | {"body": "<script>alert(1)</script> 哮喘 & co"}
    writer.write_batch(fresh, [article])
    snippet = search.search(fresh, "哮喘", markup="html")[0]["snippet"]
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet and "<mark>哮喘</mark>" in snippet


# --- keeping the index in step -----------------------------------------------------------


def vocabulary(db) -> list[tuple]:
    """Every (term, column, documents, occurrences) in the index, to compare with a rebuild."""
    db.execute("create virtual table if not exists temp.search_vocab using fts5vocab(main, articles_search, col)")
    return db.execute("select term, col, doc, cnt from temp.search_vocab order by term, col").fetchall()


def test_updates_and_deletes_keep_the_index_exactly_as_a_rebuild_would(fresh):
    articles = make_articles(60, seed=3)
    writer.write_batch(fresh, articles)
    edited = [a | {"body": a["body"].replace("哮喘", "鼻炎") + "新增外泌体段落", "title": "改 " + a["title"].replace("哮喘", "鼻炎")} for a in articles[::3]]
    edited += [a | {"category": "其他"} for a in articles[1::3]]  # changed, but not what is indexed
    writer.write_batch(fresh, edited)
    assert not found(fresh, "哮喘") & {a["url"] for a in articles[::3]}
    assert {a["url"] for a in articles[::3]} <= found(fresh, "外泌体段落")
    gone = [a["url"] for a in articles[2::5]]
    assert writer.delete_articles(fresh, gone) == len(gone)
    assert not found(fresh, "治疗") & set(gone)
    for query in ["哮喘", "外泌体", "COPD", "鼻炎", "改"]:
        assert found(fresh, query) == scan(fresh, query)
    incremental = vocabulary(fresh)
    search_index.rebuild_search_index(fresh)
    assert vocabulary(fresh) == incremental


def test_edits_made_outside_the_writer_are_caught_up_by_a_refresh(fresh):
    writer.write_batch(fresh, make_articles(20, seed=5))
    fresh.execute("update articles set body = body || '额外的鼻窦炎' where id <= 5")
    fresh.conn.commit()
    assert not found(fresh, "鼻窦炎")
    assert search_index.refresh_search_index(fresh) == 5
    assert found(fresh, "鼻窦炎") == scan(fresh, "鼻窦炎") and len(scan(fresh, "鼻窦炎")) == 5
    assert search_index.refresh_search_index(fresh) == 0


def test_an_older_archive_gains_the_index_when_opened(tmp_path):
    path = tmp_path / "old.db"
    db = open_archive(path, create=False)
    db.enable_wal()
    MIGRATIONS.apply(db, stop_before="m005_search_index")
    assert "articles_search" not in db.table_names()
    db["articles"].insert({"url": "u1", "id": 1, "site": "s", "title": "旧文章", "body": "支气管哮喘", "first_seen": "x", "last_fetched": "x"})
    db.close()
    db = open_archive(path)
    assert [h["url"] for h in search.search(db, "气管哮")] == ["u1"]
    db.close()


def test_the_plain_sqlite3_module_opens_and_searches_the_file_without_our_code(archive, tmp_path):
    path = archive.execute("pragma database_list").fetchone()[2]
    conn = sqlite3.connect(path)
    # The manual rule: two characters as typed, three or more as overlapping pairs.
    assert conn.execute("select count(*) from articles_search where articles_search match '\"外泌 泌体\"'").fetchone()[0] > 0
    assert conn.execute("select count(*) from articles").fetchone()[0] == 600
    conn.close()


# --- refused queries ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "empty"),
        ("   ", "empty"),
        ('"哮喘', "unbalanced quote"),
        ('哮喘 "COPD', "unbalanced quote"),
        ("-", "lone '-'"),
        ("哮喘 -", "lone '-'"),
        ("-哮喘", "only excludes"),
        ("哮喘 AND COPD", "AND is not supported"),
        ("哮喘 NOT COPD", "NOT is not supported"),
        ("OR 哮喘", "OR must stand between"),
        ("哮喘 OR", "OR must stand between"),
        ("(哮喘 OR COPD)", "brackets"),
        ("title:哮喘", "column filters"),
        ("body_folded:哮喘", "column filters"),
        ("^哮喘", "not supported"),
        ("NEAR(哮喘 COPD)", "NEAR"),
        ("a*b", "'*' is only allowed at the end"),
        ("。，", "nothing"),
    ],
)
def test_bad_queries_are_refused_with_a_message(archive, query, message):
    with pytest.raises(QuerySyntaxError) as raised:
        search.search(archive, query)
    assert message.replace("nothing", "no letters") in str(raised.value)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("query", ['"', "*", "AND", "NEAR", '""', "{title}:x", "a:b", "哮喘)", "10.1016/S0140-6736(20)30183-5", "+", "c++"])
def test_odd_input_never_reaches_fts5_as_an_error(archive, query):
    try:
        search.search(archive, query)
    except QuerySyntaxError as error:
        assert str(error)


def test_match_query_rewrites_like_the_index():
    assert cjkfts.match_query("哮喘") == '("哮喘")'
    assert cjkfts.match_query("外泌体") == '("外泌 泌体")'
    assert cjkfts.match_query("哮") == '("哮" *)'
    assert cjkfts.match_query("肺癌EGFR") == '("肺癌 癌 egfr")'
    assert cjkfts.match_query("10.1177/0963689724131234") == '("10 1177 0963689724131234")'
    assert cjkfts.index_text("外泌体，ＣＯＰＤ") == "外泌 泌体 体 ,COPD"


def test_a_query_with_a_very_common_term_lists_its_newest_matches_title_matches_first(fresh, monkeypatch):
    writer.write_batch(fresh, make_articles(40, seed=5))
    monkeypatch.setattr(search, "RANK_AT_MOST", 10)
    newest = fresh.execute("select url, instr(title, '细胞') > 0 from articles where instr(title, '细胞') or instr(body, '细胞') order by id desc limit 10").fetchall()
    in_title = [url for url, titled in newest if titled]
    assert 0 < len(in_title) < len(newest)
    hits = search.search(fresh, "细胞", limit=100)
    assert [h["url"] for h in hits] == in_title + [url for url, titled in newest if not titled]
    assert [h["score"] for h in hits] == [10.0] * len(in_title) + [1.0] * (len(newest) - len(in_title))


@pytest.mark.parametrize(
    "query, expected, window",
    [
        ("细胞 -哮喘", lambda f: f("细胞") - f("哮喘"), len),  # 细胞 alone is found in more: all of these
        ("细胞 OR 肿瘤", lambda f: f("细胞") | f("肿瘤"), lambda answer: 10),
    ],
)
def test_newest_matches_title_first_still_honour_exclusions_and_alternatives(fresh, monkeypatch, query, expected, window):
    writer.write_batch(fresh, make_articles(40, seed=5))
    answer = expected(lambda needle: scan(fresh, needle))
    assert 0 < window(answer) < len(scan(fresh, "细胞"))  # so that 细胞 takes the newest-first path
    monkeypatch.setattr(search, "RANK_AT_MOST", window(answer))
    ids = dict(fresh.execute("select url, id from articles"))
    newest = set(sorted(answer, key=ids.get, reverse=True)[: window(answer)])
    hits = search.search(fresh, query, limit=100)
    assert {h["url"] for h in hits} == newest and {h["score"] for h in hits} <= {10.0, 1.0}


def test_a_query_of_rarer_terms_is_ranked_by_bm25_over_all_its_matches(fresh, monkeypatch):
    writer.write_batch(fresh, make_articles(40, seed=5))
    monkeypatch.setattr(search, "RANK_AT_MOST", 1000)
    hits = search.search(fresh, "的", limit=100)
    assert {h["url"] for h in hits} == scan(fresh, "的")
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) > 2


#: ``articles_search`` as m005 made it before m013 added the 1-character prefix index.
SEARCH_TABLE_V1 = "create virtual table articles_search using fts5(title, body, refs, disclaimer, content='', tokenize='unicode61 remove_diacritics 2')"


def write_with_one_column_per_text(db, articles, monkeypatch):
    """Write ``articles`` into an archive whose index has one column per text, as before m021,
    indexing them as that version did: each text as written, nothing folded."""
    with monkeypatch.context() as old:
        old.setattr(search_index, "index_articles", lambda db, ids: 0)
        writer.write_batch(db, articles)
    rows = db.execute(
        "select a.id, a.title, a.body, (select group_concat(text, char(10)) from "
        "(select text from article_references r where r.article_url = a.url order by position)), a.disclaimer from articles a"
    ).fetchall()
    for id_, *texts in rows:
        texts = [text or "" for text in texts]
        db.execute("insert into articles_search(rowid, title, body, refs, disclaimer) values (?, ?, ?, ?, ?)",
                   [id_, *map(cjkfts.index_text, texts)])
        db.execute("insert or replace into articles_search_state(id, source) values (?, ?)", [id_, search_index._pack(texts)])
    db.conn.commit()


def test_an_archive_indexed_before_the_prefix_index_is_reindexed_when_opened(tmp_path, monkeypatch):
    path = tmp_path / "v1.db"
    db = open_archive(path, create=False)
    db.enable_wal()
    MIGRATIONS.apply(db, stop_before="m013_search_index_v2")
    db.execute("drop table articles_search")
    db.execute(SEARCH_TABLE_V1)
    write_with_one_column_per_text(db, make_articles(30, seed=9), monkeypatch)
    db.close()
    db = open_archive(path)
    (shape,) = db.execute("select sql from sqlite_master where name = 'articles_search'").fetchone()
    assert "prefix='1'" in shape
    for query in ["哮", "癌", "哮喘", "外泌体", "支气管哮喘", "COPD"]:
        assert found(db, query) == scan(db, query)
    migrated = vocabulary(db)
    search_index.rebuild_search_index(db)
    assert vocabulary(db) == migrated
    db.close()


def test_a_damaged_index_is_reported_as_such_not_as_a_bad_query(fresh):
    writer.write_batch(fresh, make_articles(3))
    fresh.execute("drop table articles_search_data")  # FTS5's own storage, lost
    with pytest.raises(search.SearchFailed, match="cannot search the archive now"):
        search.search(fresh, "哮喘")


# --- what a ranking and a count say --------------------------------------------------------


def _articles_with_a_word_common_only_outside_title_and_body(n_common: int, n_body: int) -> list[dict]:
    """``n_common`` articles whose disclaimer and reference say 学术, ``n_body`` of which also say
    术 in their body, a different number of times each, so that bm25 orders them."""
    articles = make_articles(n_common, seed=3)
    for i, article in enumerate(articles):
        article["disclaimer"] = "免责声明：本文仅供学术交流。"
        article["references"][0]["text"] += " 学术期刊"
        article["title"] = article["title"].replace("术", "")
        article["body"] = article["body"].replace("术", "")
        if i < n_body:
            article["body"] = "手术" * (i + 1) + "。\n" + article["body"]
    return articles


def test_a_word_common_only_in_disclaimers_and_references_is_still_ranked_by_bm25(fresh, monkeypatch):
    writer.write_batch(fresh, _articles_with_a_word_common_only_outside_title_and_body(30, 6))
    monkeypatch.setattr(search, "RANK_AT_MOST", 10)  # 30 disclaimers say 术: more than the bound
    ranked, order = search.ranking(fresh, "术", limit=20)
    assert order == "bm25"
    by_bm25 = fresh.execute(
        "select rowid from articles_search where articles_search match ? order by bm25(articles_search, 10.0, 1.0, 0.5, 0.5) limit 20",
        [cjkfts.match_query("术", columns=("title", "body"))],
    ).fetchall()
    assert [id_ for id_, _ in ranked] == [id_ for (id_,) in by_bm25] and len(ranked) == 6


def test_a_word_too_common_to_rank_is_announced_as_ordered_by_recency(fresh, monkeypatch):
    writer.write_batch(fresh, make_articles(40, seed=5))
    monkeypatch.setattr(search, "RANK_AT_MOST", 10)
    assert {hit["ranked_by"] for hit in search.search(fresh, "细胞")} == {"newest"}
    assert {hit["ranked_by"] for hit in search.search(fresh, "细胞", sort="date")} == {"date"}
    monkeypatch.setattr(search, "RANK_AT_MOST", 1000)
    assert {hit["ranked_by"] for hit in search.search(fresh, "细胞")} == {"bm25"}


def test_a_phrase_does_not_match_across_a_line_break(fresh):
    articles = make_articles(2, seed=1)
    articles[0]["body"] = "研究纳入COPD\n受试者共30例。"
    articles[1]["body"] = "研究纳入COPD受试者共30例。"
    writer.write_batch(fresh, articles)
    assert found(fresh, "COPD受试") == {articles[1]["url"]}
    assert found(fresh, "COPD 受试") == {a["url"] for a in articles}  # two words: each anywhere


def test_an_archive_indexed_without_line_breaks_is_reindexed_when_opened(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    db = open_archive(path, create=False)
    db.enable_wal()
    MIGRATIONS.apply(db, stop_before="m017_search_index_line_breaks")
    articles = make_articles(3, seed=2)
    articles[0]["body"] = "研究纳入COPD\n受试者共30例。"
    with monkeypatch.context() as old:
        old.setattr(cjkfts, "index_text", lambda text: cjkfts._index_line(unicodedata.normalize("NFKC", text)) if text else "")
        writer.write_batch(db, articles)
        assert found(db, "COPD受试") == {articles[0]["url"]}  # the old index matched across the line
    db.close()
    db = open_archive(path)
    assert found(db, "COPD受试") == set()
    articles[0]["body"] = "改写后的正文。"
    writer.write_batch(db, articles[:1])  # an edit deletes the old row exactly, then reindexes it
    assert found(db, "改写") == {articles[0]["url"]} and found(db, "受试") == set()
    db.close()


#: ``articles_search`` as m013 made it, before m021 split each text by script.
SEARCH_TABLE_M013 = SEARCH_TABLE_V1.replace("content=''", "content='', prefix='1'")


def test_an_archive_indexed_in_one_script_is_reindexed_in_both_when_opened(tmp_path, monkeypatch):
    path = tmp_path / "m013.db"
    db = open_archive(path, create=False)
    db.enable_wal()
    MIGRATIONS.apply(db, stop_before="m021_search_index_both_scripts")
    db.execute("drop table articles_search")
    db.execute(SEARCH_TABLE_M013)
    articles = make_articles(30, seed=9)
    articles[0]["body"] = "造血幹細胞移植。"
    write_with_one_column_per_text(db, articles, monkeypatch)
    db.close()
    db = open_archive(path)
    assert articles[0]["url"] in found(db, "干细胞")
    assert found(db, "干细胞") == scan_either_script(db, "干细胞")
    articles[0]["body"] = "改写后的正文。"
    writer.write_batch(db, articles[:1])  # an edit deletes the migrated row exactly, then reindexes it
    assert found(db, "改写") == {articles[0]["url"]} and found(db, "干细胞") == scan(db, "干细胞")
    migrated = vocabulary(db)
    search_index.rebuild_search_index(db)
    assert vocabulary(db) == migrated
    db.close()


def test_a_count_stops_at_its_bound_and_says_more_than(fresh, monkeypatch):
    writer.write_batch(fresh, make_articles(40, seed=5))
    matches = len(scan(fresh, "细胞"))
    assert search.count_matches(fresh, "细胞") == search.Count(matches)
    monkeypatch.setattr(search, "COUNT_AT_MOST", matches - 5)
    count = search.count_matches(fresh, "细胞")
    assert not count.exact and str(count) == f"more than {matches - 5:,}"


def test_a_filtered_count_past_its_bound_is_a_lower_bound(fresh, monkeypatch):
    writer.write_batch(fresh, make_articles(40, seed=5))
    selection = Selection(since="2023-01-01")
    selected = fresh.execute(
        "select count(*) from articles where published >= '2023-01-01' and (instr(title, '细胞') or instr(body, '细胞'))"
    ).fetchone()[0]
    assert search.count_matches(fresh, "细胞", selection=selection) == search.Count(selected)
    monkeypatch.setattr(search, "COUNT_AT_MOST", 10)
    count = search.count_matches(fresh, "细胞", selection=selection)
    assert not count.exact and 0 < count.value <= selected and str(count) == f"at least {count.value:,}"
