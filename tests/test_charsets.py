"""Pages whose declared charset cannot read them: GBK, Big5 and Shift-JIS bytes sent as UTF-8
are read in the charset that fits them (charset-normalizer, among the CJK charsets), never stored garbled."""

from pathlib import Path

import pytest
from opencc import OpenCC

from crawler.extraction.text import better_encoding
from crawler.single_page import extract_page

PAGES = sorted((Path(__file__).parent / "realpages" / "pages").glob("*.html"))


def page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>'
            f'<div class="info">2025-03-01</div><div class="content">{body}</div></body></html>')


BIG5_TITLE = "幹細胞治療膝關節炎的臨床研究取得新進展"
BIG5_PARAGRAPHS = [
    "近日，一項發表於國際期刊的隨機對照試驗顯示，間充質幹細胞注射可明顯減輕膝關節炎患者的疼痛。",
    "研究團隊共納入一百二十名患者，隨訪十二個月，治療組的關節功能評分較對照組顯著改善。",
    "專家表示，這一結果為退化性關節疾病的治療提供了新的選擇，但仍需更大規模的研究加以驗證。",
] * 3
SJIS_TITLE = "間葉系幹細胞による膝関節症治療の臨床研究"
SJIS_PARAGRAPHS = [
    "最近、国際的な医学雑誌に発表された無作為化比較試験によると、間葉系幹細胞の注射は膝の痛みを明らかに和らげた。",
    "研究チームは百二十人の患者を十二か月にわたって追跡し、治療群の関節機能の評価は対照群よりも大きく改善した。",
    "専門家は、この結果が変形性関節症の新しい治療法につながると述べているが、さらに大規模な研究が必要だという。",
] * 3


@pytest.mark.parametrize("charset, title, paragraphs", [
    ("big5", BIG5_TITLE, BIG5_PARAGRAPHS),
    ("shift_jis", SJIS_TITLE, SJIS_PARAGRAPHS),
])
def test_a_page_declared_utf8_is_read_in_the_charset_of_its_bytes(charset, title, paragraphs):
    body = page(title, paragraphs).encode(charset)
    result = extract_page(body, "http://h.example/a/1.html", "text/html; charset=utf-8")
    assert result.encoding == charset
    assert result.item.title == title
    assert result.item.body.split("\n")[:3] == paragraphs[:3]


def readings(pages: list[bytes], charset: str) -> int:
    """How many of ``pages`` (bytes in ``charset``), declared UTF-8, are read as ``charset`` reads them."""
    right = 0
    for body in pages:
        encoding = better_encoding(body, "utf-8")
        right += encoding is not None and body.decode(encoding) == body.decode(charset)
    return right


def test_every_gbk_page_of_the_corpus_declared_utf8_is_read_as_gbk():
    gbk = [body for body in (path.read_bytes() for path in PAGES) if not _is_utf8(body)]
    assert len(gbk) >= 35  # 36 when written; 35 since pages of repositories kept back for verification left the corpus
    assert readings(gbk, "gb18030") == len(gbk)


def test_every_page_of_the_corpus_in_traditional_characters_as_big5_declared_utf8_is_read_as_big5():
    to_traditional = OpenCC("s2t")
    big5 = [to_traditional.convert(body.decode("utf-8")).encode("big5", errors="xmlcharrefreplace")
            for body in (path.read_bytes() for path in PAGES) if _is_utf8(body)]
    assert len(big5) >= 53  # 53 when written
    assert readings(big5, "big5") == len(big5)


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_reextract_reads_a_kept_page_in_the_charset_of_its_bytes(tmp_path):
    from archive import open_archive
    from archive.writer import write_batch
    from crawler.items import KeptPage
    from crawler.reextract import reextract

    url = "http://h.example/a/1.html"
    kept = KeptPage(fetched_url=url, status=200, headers={"Content-Type": "text/html; charset=utf-8"},
                    body=page(BIG5_TITLE, BIG5_PARAGRAPHS).encode("big5"))
    db = open_archive(tmp_path / "archive.db")
    write_batch(db, [], not_articles=[(url, "extraction_error", kept.__dict__)])
    stats = reextract(db)
    assert db.execute("select title, encoding from articles").fetchall() == [(BIG5_TITLE, "big5")]
    assert stats["reextract/encoding_fallback"] == 1
