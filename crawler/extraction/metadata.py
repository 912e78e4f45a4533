"""What a page says about its article besides the text: description, keywords, images, language
and the date it was last changed. Plain functions over the parsed page; each value is the
page's own (a meta tag, JSON-LD, a labelled line, the body's pictures) or absent, never made up.
"""

import re
from functools import lru_cache

from lxml import etree
from parsel.csstranslator import css2xpath

from ..items import ArticleImage
from .byline import (
    article_lines,
    as_outlet,
    byline_names,
    find_credits,
    json_ld_documents,
    json_ld_values,
    labelled_values,
    names_in,
)
from .dates import find_date_text
from .rules import (
    CAPTION_ENDINGS,
    CAPTION_NUMBERED,
    CAPTION_OPENERS,
    DESCRIPTION_META,
    EDITOR_LABELS,
    FURNITURE_IMAGE_PATTERN,
    IMAGE_META,
    KEYWORDS_META,
    MAX_CAPTION_CHARS,
    MIN_IMAGE_SIDE,
    MODIFIED_LABELS,
    MODIFIED_META,
    SOURCE_LABELS,
    TAG_LINK_SELECTORS,
)
from .text import BLOCK_TAGS, block_lines, meta_contents, normalize_space, text_content
from .urls import absolute_url

#: Attributes of a lazily loaded image that hold its real address, before ``src``.
LAZY_SOURCES = ("data-original", "data-src", "data-lazy-src", "data-url", "src")
#: A body is Chinese by its script when at least this share of its letters are Han characters
#: (and it has no kana or hangul): "unambiguous", as a few Latin words in Chinese text are common.
MIN_HAN_SHARE = 0.8
#: The body's script is judged on its first this many characters: enough to tell, and reading a
#: long body whole cost more than the rest of the metadata.
SCRIPT_SAMPLE_CHARS = 2000
#: Fewer letters than this say nothing of a language.
MIN_SCRIPT_LETTERS = 20
#: Languages whose pages are written in Han characters; a page declaring another is Chinese
#: only by its text.
HAN_LANGUAGES = ("zh", "ja", "ko")

#: Chinese words separated by spaces only, as many pages write their keywords.
_SPACED_HAN_WORDS = re.compile(r"[\u4e00-\u9fff\d]+(?: [\u4e00-\u9fff\d]+)+")
_HTML_LANG = etree.XPath("/html/@lang | /html/@xml:lang", namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})
_CONTENT_LANGUAGE = etree.XPath("//meta[translate(@http-equiv, 'CONTENT-LANGUAGE', 'content-language')='content-language']/@content")


# --- description and keywords ----------------------------------------------------------------------


def find_description(root) -> tuple[str | None, str]:
    """The page's own description (meta ``description``, ``og:description`` ..., else JSON-LD's),
    and where it came from; none when the page gives none: never a summary of the body."""
    for value in meta_contents(root, DESCRIPTION_META, ("name", "property", "itemprop")):
        text = normalize_space(value or "")
        if text:
            return text, "meta"
    for data in json_ld_documents(root):
        for value in json_ld_values(data, "description"):
            if isinstance(value, str) and normalize_space(value):
                return normalize_space(value), "json-ld"
    return None, ""


def find_keywords(root, names: frozenset | None = None) -> tuple[list[str], str]:
    """The page's keywords: meta ``keywords``/``article:tag``, JSON-LD ``keywords``, and the
    page's own tag links, in that order without repeats; and the rules that gave any.
    ``names``: the page's class words, to skip a tag-list selector naming a class it lacks."""
    found, rules = [], []
    for words, rule in (
        ([w for value in meta_contents(root, KEYWORDS_META, ("name", "property")) for w in split_keywords(value)], "meta"),
        ([w for data in json_ld_documents(root) for value in json_ld_values(data, "keywords") for w in split_keywords(value)], "json-ld"),
        ([normalize_space(text_content(a)) for css in TAG_LINK_SELECTORS if _may_match(css, names) for a in _compiled_css(css)(root)],
         "tag links"),
    ):
        new = [word for word in dict.fromkeys(words) if word and word not in found]
        if new:
            found += new
            rules.append(rule)
    return found, "+".join(rules)


def split_keywords(value) -> list[str]:
    """A keywords value as words: split on commas (any width), semicolons, ``、`` and ``|``, or
    on spaces between Chinese words when there is no other separator; a list (JSON-LD) as it is."""
    if isinstance(value, list):
        return [normalize_space(str(word)) for word in value if normalize_space(str(word))]
    if not isinstance(value, str):
        return []
    words = [word for word in (normalize_space(part) for part in re.split(r"[,，;；、|｜]", value)) if word]
    if len(words) == 1 and _SPACED_HAN_WORDS.fullmatch(words[0]):
        return words[0].split(" ")  # "青少年心理健康 心成长": Chinese words have no space inside
    return words



# --- modified --------------------------------------------------------------------------------------


def find_modified(root, lines: list[str]) -> tuple[str | None, str]:
    """The date the page says it was last changed, as shown, and where it came from: a meta tag
    or JSON-LD ``dateModified``, else a line labelled as an update (``更新时间：``, ``...更新``).
    Never the HTTP ``Last-Modified`` or the clock: ``normalise`` reads it like ``published``."""
    for value in meta_contents(root, MODIFIED_META, ("property", "name", "itemprop")):
        if value and value.strip():
            return value.strip(), "meta"
    for data in json_ld_documents(root):
        for value in json_ld_values(data, "dateModified"):
            if isinstance(value, str) and value.strip():
                return value.strip(), "json-ld"
    for index, line in enumerate(lines):
        match = _modified_label_re().search(line)
        if match:
            after = line[match.end():] or (lines[index + 1] if index + 1 < len(lines) else "")
            shown = find_date_text(after)
            if shown:
                return shown, "line"
        match = _updated_suffix_re().search(line)
        if match:
            return match.group(1), "line"
    return None, ""


@lru_cache(maxsize=1)
def _modified_label_re() -> re.Pattern:
    labels = "|".join(map(re.escape, MODIFIED_LABELS))
    return re.compile(rf"(?:^|(?<=[\s|｜丨【\[（(]))(?:{labels})\s*[:：]?\s*")


@lru_cache(maxsize=1)
def _updated_suffix_re() -> re.Pattern:
    """A date and time followed by 更新: ``2005-01-06 08:13更新``."""
    return re.compile(r"(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?)\s*更新(?![\u4e00-\u9fff])")


# --- images ----------------------------------------------------------------------------------------


def find_images(body_root, base_url: str) -> list[ArticleImage]:
    """The pictures of the article's body in body order, each with its alt text and caption (its
    ``<figcaption>``, else a caption line right under it); icons, logos, QR codes, tracking
    pixels and images declared smaller than ``MIN_IMAGE_SIDE`` are not the article's."""
    images, seen = [], set()
    for image in body_root.iter("img"):
        url = image_url(image, base_url)
        if not url or url in seen or is_furniture_image(image, url):
            continue
        seen.add(url)
        alt = normalize_space(image.get("alt") or "") or None
        images.append(ArticleImage(url=url, alt=alt, caption=image_caption(image, body_root)))
    return images


def declared_image(root, base_url: str) -> tuple[list[ArticleImage], str]:
    """The lead image the page declares (``og:image``, ``twitter:image``, else JSON-LD ``image``),
    for a body showing none; a logo or an icon is none. ``([image], rule)`` or ``([], "")``."""
    candidates = [(value, "meta") for value in meta_contents(root, IMAGE_META, ("property", "name", "itemprop"))]
    candidates += [(value.get("url") if isinstance(value, dict) else value, "json-ld")
                   for data in json_ld_documents(root) for value in json_ld_values(data, "image")]
    for value, rule in candidates:
        url = absolute_url(value, base_url) if isinstance(value, str) else None
        if url and not url.startswith("data:") and not _furniture_image_re().search(url):
            return [ArticleImage(url=url)], rule
    return [], ""


def image_url(image, base_url: str) -> str | None:
    """The image's real address (a lazily loaded image's ``data-src`` before its placeholder), absolute; None for an inline ``data:`` image."""
    url = next((absolute_url(image.get(name), base_url) for name in LAZY_SOURCES if image.get(name)), None)
    return None if not url or url.startswith("data:") else url


def is_furniture_image(image, url: str) -> bool:
    """An icon, a logo, a QR code or a tracking pixel, by its size, its names or its address."""
    for side in ("width", "height"):
        match = re.match(r"\s*(\d+)\s*(px)?\s*$", image.get(side) or "")
        if match and int(match.group(1)) < MIN_IMAGE_SIDE:
            return True
    names = " ".join(filter(None, (image.get("class"), image.get("id"), image.get("alt"), url.rsplit("/", 1)[-1], url)))
    return bool(_furniture_image_re().search(names))


@lru_cache(maxsize=1)
def _furniture_image_re() -> re.Pattern:
    return re.compile(FURNITURE_IMAGE_PATTERN, re.IGNORECASE)


def image_caption(image, body_root) -> str | None:
    """The image's ``<figcaption>``, else the text of its own line or of the next one when that
    reads as a caption (``图为...``, ``...摄``)."""
    figure = next((e for e in image.iterancestors() if e.tag == "figure"), None)
    if figure is not None:
        caption = next(figure.iter("figcaption"), None)
        if caption is not None and normalize_space(text_content(caption)):
            return normalize_space(text_content(caption))
    block = next((e for e in image.iterancestors() if e.tag in BLOCK_TAGS or e is body_root), None)
    if block is None:
        return None
    candidates = [" ".join(block_lines(block))] if block is not body_root else []
    following = block.getnext() if block is not body_root else None
    if following is not None and isinstance(following.tag, str):
        candidates.append(" ".join(block_lines(following)))
    return next((text for text in candidates if is_caption(text)), None)


def is_caption(text: str) -> bool:
    """Whether a line reads as a picture's caption: short, and opening (a numbered figure's too) or
    ending as captions do."""
    text = text.strip()
    return bool(text) and len(text) <= MAX_CAPTION_CHARS and (
        text.startswith(CAPTION_OPENERS) or bool(CAPTION_NUMBERED.match(text)) or text.endswith(CAPTION_ENDINGS))


# --- language --------------------------------------------------------------------------------------


def find_language(root, body: str) -> tuple[str | None, str]:
    """The article's language as a BCP 47 primary tag, and how it was known: as the page declares
    it (``<html lang>``, ``Content-Language``), else by the body's script, which tells only Chinese
    (Han characters, no kana or hangul). A declared language the body's script contradicts (a
    template's ``lang="en"`` over Chinese text) gives way to the script."""
    script = language_by_script(body)
    for value in [*_HTML_LANG(root), *_CONTENT_LANGUAGE(root)]:
        tag = primary_tag(value)
        if tag:
            if script == "zh" and tag not in HAN_LANGUAGES:
                return script, "script"
            return tag, "declared"
    return (script, "script") if script else (None, "")


def primary_tag(value: str | None) -> str | None:
    """``zh`` of ``zh-CN``, ``zh_Hans``, ``ZH``; None for what is no language tag."""
    match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|\s*$|,)", value or "")
    return match.group(1).lower() if match else None


def language_by_script(text: str) -> str | None:
    """``zh`` when Han characters make at least ``MIN_HAN_SHARE`` of the text's letters and no
    kana or hangul stands among them; None otherwise (the script alone does not tell)."""
    text = text[:SCRIPT_SAMPLE_CHARS]
    han = len(re.findall(r"[\u4e00-\u9fff\u3400-\u4dbf]", text))
    latin = len(re.findall(r"[A-Za-z\u00c0-\u024f]", text))
    if re.search(r"[\u3040-\u30ff\uac00-\ud7af]", text) or han + latin < MIN_SCRIPT_LETTERS:
        return None
    return "zh" if han / (han + latin) >= MIN_HAN_SHARE else None


def _may_match(css: str, names: frozenset | None) -> bool:
    """Whether a selector can match on a page using the class words ``names`` (None: unknown):
    class tests are the slowest XPath there is."""
    return names is None or all(word in names for word in re.findall(r"\.([\w-]+)", css))


@lru_cache(maxsize=16)
def _compiled_css(css: str) -> etree.XPath:
    return etree.XPath(css2xpath(css))


# --- all of it ------------------------------------------------------------------------------------


def read_metadata(root, url: str, headline, block, body: str, body_root, rule=None, names: frozenset | None = None) -> tuple[dict, dict]:
    """The metadata fields of the article whose headline element is ``headline``, whose text
    ``body`` was read from ``block`` into ``body_root``: ``(fields, found_by)``, ``fields`` by
    their ``ArticleItem`` names, ``found_by`` the rule that found each field given. A site rule
    (``site_rules.py``) selecting a field takes it from the page before the heuristics.
    ``names``: the page's class and id words (``article.page_names``)."""
    lines = article_lines(headline, block, body)
    credits = find_credits(root, lines, url)
    fields = {"authors": credits.authors, "editor": credits.editor, "source": credits.source, "source_url": credits.source_url}
    found_by = {"authors": credits.authors_rule, "editor": "label" if credits.editor else "",
                "source": credits.source_rule, "source_url": "link" if credits.source_url else ""}
    fields["modified_raw"], found_by["modified"] = find_modified(root, lines.all)
    fields["description"], found_by["description"] = find_description(root)
    fields["keywords"], found_by["keywords"] = find_keywords(root, names)
    fields["images"] = find_images(body_root, url)
    found_by["images"] = "body" if fields["images"] else ""
    if not fields["images"]:
        fields["images"], found_by["images"] = declared_image(root, url)
    fields["language"], found_by["language"] = find_language(root, body)
    if rule is not None:
        for name, value in ruled_metadata(root, url, rule).items():
            fields[name] = value
            found_by["modified" if name == "modified_raw" else name] = "site rule"
    return fields, {name: rule for name, rule in found_by.items() if rule}


def ruled_metadata(root, url: str, rule) -> dict:
    """The metadata fields a site's rule selects on the page, by ``ArticleItem`` name; a selector
    matching nothing (or nothing shown) gives no field."""
    def shown(element) -> str:
        return normalize_space(element.get("content") or element.get("datetime") or text_content(element))

    fields = {}
    texts = {key: [text for text in map(shown, rule.select(root, key)) if text] for key in ("authors", "editor", "source", "modified",
                                                                                          "description", "keywords", "language")}
    if texts["authors"]:
        fields["authors"] = [name for text in texts["authors"] for name in (byline_names(text) or names_in(text) or [text])]
    if texts["editor"]:
        fields["editor"] = (labelled_values(texts["editor"][0], EDITOR_LABELS, loose=True) or [texts["editor"][0]])[0].strip() or None
    for element in rule.select(root, "source"):
        outlet = as_outlet((labelled_values(shown(element), SOURCE_LABELS, bare_after=("于", "自")) or [shown(element)])[0])
        if outlet:
            anchor = element if element.tag == "a" else next(element.iter("a"), None)
            fields["source"] = outlet
            fields["source_url"] = absolute_url(anchor.get("href"), url) if anchor is not None else None
            break
    if texts["modified"]:
        fields["modified_raw"] = find_date_text(texts["modified"][0]) or texts["modified"][0]
    if texts["description"]:
        fields["description"] = texts["description"][0]
    if texts["keywords"]:
        fields["keywords"] = [word for text in texts["keywords"] for word in split_keywords(text)]
    images = [image for element in rule.select(root, "images") for image in ([element] if element.tag == "img" else element.iter("img"))]
    chosen = [(image, image_url(image, url)) for image in images]
    if any(address for _, address in chosen):
        fields["images"] = [ArticleImage(address, normalize_space(image.get("alt") or "") or None, image_caption(image, image.getparent()))
                            for image, address in chosen if address]
    languages = [primary_tag(element.get("lang") or shown(element)) for element in rule.select(root, "language")]
    if any(languages):
        fields["language"] = next(tag for tag in languages if tag)
    return fields
