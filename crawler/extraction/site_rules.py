"""Per-site rules for what the heuristics miss, read from a TOML file.

```toml
[sites."www.example.com"]          # this host only; "*.example.com" for every subdomain
title = "h1.news-title"            # CSS selectors, each optional
date = "div.info span.time"        # its text, or its datetime/content attribute
date_format = "%Y年%m月%d日 %H:%M"  # strptime format of that text, when the normaliser cannot read it
body = "div#article-text"
drop = [".editor", ".share-bar"]   # removed from the body
prev = "div.pre-next a.prev"
next = "div.pre-next a.next"
authors = "span.author"            # each element's names (a 作者：/记者 label is read off)
editor = "div.editor"
source = "span.source"             # its link, if any, is the source's URL
modified = "span.update-time"      # its text, or its datetime/content attribute
description = "div.summary"
keywords = "div.tags a"            # each element's text, split on commas
images = "div#article-text img"    # the images, or the elements holding them
language = "html"                  # its lang attribute, or its text
```

A selector that matches nothing on a page falls back to the heuristics for that field, so a
rule never makes a page worse than it was without it.
"""

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from cssselect import SelectorError
from lxml import etree
from parsel.csstranslator import css2xpath

#: The keys a site's table may hold.
SELECTOR_KEYS = ("title", "date", "body", "prev", "next", "authors", "editor", "source", "modified", "description", "keywords", "images",
                 "language")
OTHER_KEYS = ("date_format", "drop")


class SiteRulesError(ValueError):
    """The rules file cannot be used: its message says where and why."""


@dataclass(frozen=True)
class SiteRule:
    """Selectors that override the heuristics on one site."""

    host: str
    title: str | None = None
    date: str | None = None
    date_format: str | None = None
    body: str | None = None
    drop: tuple[str, ...] = ()
    prev: str | None = None
    next: str | None = None
    authors: str | None = None
    editor: str | None = None
    source: str | None = None
    modified: str | None = None
    description: str | None = None
    keywords: str | None = None
    images: str | None = None
    language: str | None = None

    def select(self, root, key: str) -> list:
        css = getattr(self, key)
        return _compiled(css)(root) if css else []

    def dropped(self, root) -> list:
        return [element for css in self.drop for element in _compiled(css)(root)]


@dataclass
class SiteRules:
    """Every site's rules from one file; ``for_url`` picks a page's."""

    rules: dict[str, SiteRule] = field(default_factory=dict)
    source: str | None = None

    def for_url(self, url: str) -> SiteRule | None:
        host = (urlsplit(url).hostname or "").lower()
        if host in self.rules:
            return self.rules[host]
        parts = host.split(".")
        for start in range(1, len(parts)):
            rule = self.rules.get("*." + ".".join(parts[start:]))
            if rule is not None:
                return rule
        return None

    def __bool__(self) -> bool:
        return bool(self.rules)


def load_site_rules(path: str | Path | None) -> SiteRules:
    """The rules in the TOML file at ``path`` (no rules for None); ``SiteRulesError`` when
    the file is missing, is not TOML, or holds an unknown key or a selector that does not parse."""
    if not path:
        return SiteRules()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SiteRulesError(f"cannot read site rules {path}: {error.strerror or error}") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SiteRulesError(f"site rules {path} are not valid TOML: {error}") from error
    sites = data.get("sites")
    if not isinstance(sites, dict) or set(data) - {"sites"}:
        raise SiteRulesError(f'site rules {path}: put each site under [sites."HOST"]')
    return SiteRules({host.lower(): _rule(path, host.lower(), table) for host, table in sites.items()}, source=str(path))


def _rule(path: Path, host: str, table) -> SiteRule:
    where = f'site rules {path}, [sites."{host}"]'
    if not isinstance(table, dict):
        raise SiteRulesError(f"{where}: expected a table of selectors")
    unknown = set(table) - set(SELECTOR_KEYS) - set(OTHER_KEYS)
    if unknown:
        raise SiteRulesError(f"{where}: unknown key {sorted(unknown)[0]!r}; known: {', '.join(SELECTOR_KEYS + OTHER_KEYS)}")
    drop = table.get("drop", [])
    if isinstance(drop, str):
        drop = [drop]
    if not isinstance(drop, list) or not all(isinstance(css, str) for css in drop):
        raise SiteRulesError(f"{where}: drop must be a CSS selector string or a list of them")
    for key in SELECTOR_KEYS:
        if key in table and not isinstance(table[key], str):
            raise SiteRulesError(f"{where}: {key} must be a CSS selector string")
    if "date_format" in table:
        _check_date_format(where, table["date_format"])
    for css in [*(table[key] for key in SELECTOR_KEYS if key in table), *drop]:
        try:
            _compiled(css)
        except (SelectorError, etree.XPathError) as error:
            raise SiteRulesError(f"{where}: {css!r} is not a CSS selector ({error})") from error
    return SiteRule(host=host, drop=tuple(drop), **{key: table[key] for key in (*SELECTOR_KEYS, "date_format") if key in table})


@lru_cache(maxsize=256)
def _compiled(css: str) -> etree.XPath:
    return etree.XPath(css2xpath(css))


def parse_with_format(text: str, date_format: str) -> str | None:
    """The date in ``text`` written as ``date_format`` (``发布时间：2025年3月2日 来源：新华网``
    with ``%Y年%m月%d日``), as ISO 8601; None when no part of the text fits."""
    match = _format_re(date_format).search(text)
    if not match:
        return None
    try:
        value = datetime.strptime(match.group(), date_format)
    except ValueError:
        return None
    return value.isoformat(timespec="seconds") if _has_time(date_format) else value.date().isoformat()


#: What each strptime directive a date format may use matches in page text: each of bounded
#: length, so that searching a line for the format cannot backtrack without end.
_DIRECTIVES = {"Y": r"\d{4}", "y": r"\d{2}", "m": r"\d{1,2}", "d": r"\d{1,2}", "H": r"\d{1,2}", "I": r"\d{1,2}",
               "M": r"\d{1,2}", "S": r"\d{1,2}", "p": r"[AaPp][Mm]", "b": r"[A-Za-z]{3}", "B": r"[A-Za-z]{3,9}", "%": "%"}
#: The parts a date format must name, and the directives naming each: a date read without its
#: year, month or day would be stored wrong (strptime makes a missing year 1900).
_DATE_PARTS = {"year": "Yy", "month": "mbB", "day": "d"}
#: Longest date format taken (characters).
MAX_DATE_FORMAT = 64
#: A moment every date format must write and read back the same.
_SAMPLE = datetime(2025, 11, 23, 14, 5, 6)


def _check_date_format(where: str, date_format) -> None:
    """A :class:`SiteRulesError` unless ``date_format`` is a format of :data:`_DIRECTIVES`
    naming the year, month and day once each, which reads back what it writes."""
    if not isinstance(date_format, str):
        raise SiteRulesError(f'{where}: date_format must be a strptime format string, such as "%Y年%m月%d日"')
    if len(date_format) > MAX_DATE_FORMAT:
        raise SiteRulesError(f"{where}: date_format is longer than {MAX_DATE_FORMAT} characters")
    directives = [part[1:] for part in re.split(r"(%.?)", date_format) if part.startswith("%")]
    unknown = [directive for directive in directives if directive not in _DIRECTIVES]
    if unknown:
        raise SiteRulesError(f"{where}: date_format: %{unknown[0]} is not a directive medarchive reads; "
                             f"use {' '.join('%' + name for name in _DIRECTIVES)}")
    repeated = sorted({d for d in directives if d != "%" and directives.count(d) > 1})
    if repeated:
        raise SiteRulesError(f"{where}: date_format names %{repeated[0]} twice")
    for part, names in _DATE_PARTS.items():
        if not any(name in directives for name in names):
            raise SiteRulesError(f"{where}: date_format names no {part} ({' or '.join('%' + name for name in names)})")
    if "I" in directives and "p" not in directives:
        raise SiteRulesError(f"{where}: date_format has a 12-hour %I without %p (AM/PM): use %H for a 24-hour clock")
    try:
        datetime.strptime(_SAMPLE.strftime(date_format), date_format)
    except ValueError as error:
        raise SiteRulesError(f"{where}: date_format {date_format!r} cannot read the dates it describes ({error})") from error


@lru_cache(maxsize=64)
def _format_re(date_format: str) -> re.Pattern:
    parts = re.split(r"(%.)", date_format)
    pattern = "".join(_DIRECTIVES[part[1]] if part.startswith("%") and len(part) == 2 else re.escape(part) for part in parts)
    return re.compile(pattern)


def _has_time(date_format: str) -> bool:
    return any(directive in date_format for directive in ("%H", "%I", "%M"))
