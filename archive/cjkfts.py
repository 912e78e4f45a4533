"""Chinese full-text search on SQLite's own FTS5: the text rewrite used for indexing and querying.

FTS5's ``unicode61`` tokenizer takes a whole run of Han characters between
punctuation as one token, so ``哮喘`` inside a sentence is never found. Instead of a
custom tokenizer (which every other tool opening the file would lack), the text is
rewritten before it reaches FTS5 (design A of ``SEARCH-MEASUREMENTS.md``):

* NFKC normalisation (full-width ``ＣＯＰＤ`` becomes ``COPD``);
* each CJK run ``abcd`` becomes ``ab bc cd d``: overlapping bigrams plus the last
  character as a *tail* token, so every character starts some token and a
  1-character query can be a prefix query; a 1-character run stays as it is;
* all other text is left to ``unicode61`` (case-folded, split on punctuation).

A query goes through the same rewrite, so ``外泌体`` becomes the phrase
``"外泌 泌体"``. Matching is substring matching for CJK (``炎症`` is found inside
``皮炎症状``) and token matching for Latin (``CT`` is not found inside ``RCT``).

Query language (:func:`parse_query`), deliberately small:

* words separated by spaces are ANDed: ``哮喘 COPD``;
* ``"quoted phrase"`` keeps its words together and in order;
* ``OR`` (upper case, between two words) gives alternatives: ``哮喘 OR 慢阻肺 儿童``
  means (哮喘) OR (慢阻肺 AND 儿童) -- AND binds tighter, as in FTS5;
* ``-word`` or ``-"phrase"`` excludes articles containing it, from the whole result;
* a trailing ``*`` makes the last token a prefix: ``immuno*``;
* a DOI ``10.1177/0963689724131234`` is the phrase of its tokens.

Anything else that FTS5 would read as syntax (``AND``/``NOT``/``NEAR``, brackets,
``^``, ``col:``) is rejected with :class:`QuerySyntaxError`, so a user never sees
an FTS5 error.

Both scripts. A term finds the text as typed and, folded to Simplified by OpenCC's ``t2s``
(:func:`to_simplified`), the text folded the same way: ``干细胞`` finds ``幹細胞`` and the
reverse. Each line of the text is folded on its own, as a query is, and the index keeps, per
column, three texts (:func:`split_by_script`): the lines folding leaves as they are (most of
a Simplified archive), the lines it changes as written (``*_traditional``) and those lines
folded (``*_folded``). The written text is matched as typed, the folded text only with the
folded query, so ``exact_script=True`` (search as typed) reads the first two and nothing
folded. ``t2s`` maps some characters of two meanings onto one (``乾``/``干`` -> ``干``,
``髮``/``發`` -> ``发``): a Traditional query for ``乾`` (dry) also finds ``干`` in
``若干`` or ``干细胞``, as a reader of either script would have to check by eye; phrases keep
their sense (``乾隆`` stays ``乾隆``).
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = [
    "QuerySyntaxError",
    "Query",
    "Term",
    "index_text",
    "match_query",
    "parse_query",
    "as_query",
    "phrase_queries",
    "to_simplified",
    "split_by_script",
    "TEXT_COLUMNS",
    "TRADITIONAL_COLUMNS",
    "FOLDED_COLUMNS",
    "highlight_pieces",
]

#: CJK characters that get the bigram treatment: Han (extension A, unified,
#: compatibility, extensions B+), kana and hangul.
_CJK = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf"  # Han extension A
    "\u4e00-\u9fff"  # Han unified
    "\uac00-\ud7af"  # hangul syllables
    "\uf900-\ufaff"  # Han compatibility
    "\U00020000-\U0003134f"  # Han extensions B-G
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
#: The CJK ranges as the inside of a regex character class, for callers that build regexes.
CJK_RANGES = _CJK
#: What unicode61 treats as a token: letters, digits (and marks), everything else separates.
_LATIN_TOKEN = re.compile(r"[^\W_]+")
#: The token put between two lines of indexed text, so that a phrase never matches across a
#: line or paragraph break (``COPD受试`` is not found in ``COPD`` + new line + ``受试者``): FTS5
#: phrases need adjacent tokens. A private-use character: unicode61 keeps it as a token, and
#: queries drop it (:func:`_tokens`), so no query looks for it.
LINE_BREAK = "\ue000"
_LINES = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")

#: Upper-case words FTS5 reads as operators; ``OR`` is ours, the others are refused.
_OPERATORS = {"AND", "NOT", "NEAR"}
#: The texts searched, as callers name them (``columns=("title", "body")``).
TEXT_COLUMNS = ("title", "body", "refs", "disclaimer")
#: Per text, the lines that folding to Simplified changes, as written...
TRADITIONAL_COLUMNS = tuple(f"{column}_traditional" for column in TEXT_COLUMNS)
#: ...and those lines folded: only a folded query looks there.
FOLDED_COLUMNS = tuple(f"{column}_folded" for column in TEXT_COLUMNS)
#: The archive's FTS columns, to refuse ``title:哮喘`` (FTS5 column-filter syntax).
_COLUMN_FILTER = re.compile(r"^(?:(?:title|body|refs|disclaimer)(?:_traditional|_folded)?|\{[^}]*\})\s*:", re.IGNORECASE)


class QuerySyntaxError(ValueError):
    """A search query that cannot be understood; the message says what to change."""


# --- indexing ----------------------------------------------------------------------


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def index_text(text: str | None) -> str:
    """The shadow text FTS5 indexes for ``text``: NFKC, CJK runs as bigrams plus tail, and
    :data:`LINE_BREAK` between lines.

    >>> index_text("患者有支气管哮喘，COPD")
    '患者 者有 有支 支气 气管 管哮 哮喘 喘 ,COPD'
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    return f" {LINE_BREAK} ".join(_index_line(line) for line in _LINES.split(text) if line.strip())


def _index_line(text: str) -> str:
    out = []
    last = 0
    for match in _CJK_RUN.finditer(text):
        out.append(text[last : match.start()])
        out.append(" " + " ".join(_bigrams(match.group())) + " ")
        last = match.end()
    out.append(text[last:])
    return "".join(out).strip()


# --- Traditional -> Simplified --------------------------------------------------------


@lru_cache(maxsize=1)
def _traditional_to_simplified():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` in Simplified characters, by OpenCC's ``t2s`` (characters and phrases): the one
    folding of search, applied to each indexed line (:func:`split_by_script`) and to each query term."""
    return _traditional_to_simplified().convert(text) if text else text


def split_by_script(text: str | None) -> tuple[str, str, str]:
    """``(kept, traditional, folded)``: the lines of ``text`` (after NFKC) that
    :func:`to_simplified` leaves as they are, those it changes, and these folded; each a text of
    lines. Lines are folded one by one, as :func:`index_text` reads them, so a folded phrase
    lines up with a folded query and never spans two lines.

    >>> split_by_script("幹細胞\n干细胞")
    ('干细胞', '幹細胞', '干细胞')
    """
    kept, traditional, folded = [], [], []
    for line in _LINES.split(unicodedata.normalize("NFKC", text or "")):
        if not line.strip():
            continue
        simplified = to_simplified(line)
        if simplified == line:
            kept.append(line)
        else:
            traditional.append(line)
            folded.append(simplified)
    return "\n".join(kept), "\n".join(traditional), "\n".join(folded)


# --- queries -----------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One thing to look for: the user's text (a word or a quoted phrase) and whether it ends in ``*``."""

    text: str
    prefix: bool = False
    quoted: bool = False


@dataclass
class Query:
    """A parsed query: alternatives (each a list of ANDed terms) and terms to exclude."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    @property
    def terms(self) -> list[Term]:
        return [term for group in self.groups for term in group]


_LEXEME = re.compile(r'\s*(-?)(?:"([^"]*)"|(\S+))')


def parse_query(query: str) -> Query:
    """Parse ``query`` into a :class:`Query`, or raise :class:`QuerySyntaxError` saying why not."""
    if query is None or not query.strip():
        raise QuerySyntaxError("the search is empty: type a word, e.g. 哮喘")
    query = unicodedata.normalize("NFKC", query).strip()
    # NFKC turns full-width quotes "＂" into '"'; curly quotes are the user's own and are
    # taken as quotes too, since Chinese input methods produce them.
    query = query.replace("\u201c", '"').replace("\u201d", '"')
    if query.count('"') % 2:
        raise QuerySyntaxError(f'unbalanced quote in {query!r}: close the phrase with a second "')
    parsed = Query(groups=[[]])
    pending_or = False
    position = 0
    while position < len(query):
        match = _LEXEME.match(query, position)
        if not match or match.end() == position:
            break
        position = match.end()
        minus, phrase, word = match.groups()
        if phrase is None and word is not None and '"' in word:
            raise QuerySyntaxError(f"a quote inside {word!r}: put spaces around a \"quoted phrase\"")
        if phrase is None and word == "OR" and not minus:
            if pending_or or not parsed.groups[-1]:
                raise QuerySyntaxError("OR must stand between two words, e.g. 哮喘 OR 慢阻肺")
            pending_or = True
            continue
        term = _make_term(phrase, word, minus)
        if minus:
            if pending_or:
                raise QuerySyntaxError(f"OR cannot be followed by an exclusion (-{term.text}); put the exclusion at the end")
            parsed.excluded.append(term)
            continue
        if pending_or:
            parsed.groups.append([])
            pending_or = False
        parsed.groups[-1].append(term)
    if pending_or:
        raise QuerySyntaxError("OR must stand between two words, e.g. 哮喘 OR 慢阻肺")
    if not parsed.terms:
        raise QuerySyntaxError("the search only excludes words: add at least one word to look for")
    return parsed


def as_query(query: Query | str) -> Query:
    """``query`` parsed (:func:`parse_query`), or as it is when it is already a :class:`Query`:
    callers parse a query once and hand the :class:`Query` down."""
    return query if isinstance(query, Query) else parse_query(query)


def _make_term(phrase: str | None, word: str | None, minus: str) -> Term:
    if phrase is not None:
        text, prefix = phrase.strip(), False
        if text.endswith("*"):
            text, prefix = text[:-1].rstrip(), True
        if not _tokens(text):
            raise QuerySyntaxError(f'the phrase "{phrase}" has no letters, digits or characters to search for')
        return Term(text, prefix=prefix, quoted=True)
    if (minus and not word) or (word and not word.strip("-")):
        raise QuerySyntaxError("a lone '-': write -word to exclude a word, or leave the '-' out")
    if word in _OPERATORS:
        raise QuerySyntaxError(
            f"{word} is not supported: words are already ANDed, use -word to exclude, or write {word.lower()} to search for the word itself"
        )
    if word.startswith("(") or word.endswith(")") and "(" not in word:
        raise QuerySyntaxError(f"brackets are not supported (in {word!r}): write 哮喘 OR 慢阻肺, without brackets")
    if word.startswith(("^", "+", "*")):
        raise QuerySyntaxError(f"{word[0]!r} at the start of {word!r} is not supported: leave it out")
    if _COLUMN_FILTER.match(word):
        raise QuerySyntaxError(f"column filters such as {word!r} are not supported: search all text, without the 'name:'")
    if word.upper().startswith("NEAR("):
        raise QuerySyntaxError("NEAR(...) is not supported: use a \"quoted phrase\" instead")
    prefix = word.endswith("*")
    text = word.rstrip("*") if prefix else word
    if "*" in text:
        raise QuerySyntaxError(f"'*' is only allowed at the end of a word (in {word!r})")
    if not _tokens(text):
        raise QuerySyntaxError(f"{word!r} has no letters, digits or characters to search for")
    return Term(text, prefix=prefix)


def _tokens(text: str) -> list[str]:
    """The tokens FTS5 sees for ``text`` once rewritten (lower-cased like unicode61 does)."""
    return [token.lower() for token in _LATIN_TOKEN.findall(index_text(text)) if token != LINE_BREAK]


def _term_expression(term: Term) -> str:
    """The FTS5 phrase for one term: the index rewrite of its text, without a final tail token.

    ``外泌体`` -> ``"外泌 泌体"``; ``哮`` -> ``"哮" *``; ``肺癌EGFR`` -> ``"肺癌 癌 egfr"``.
    """
    text = unicodedata.normalize("NFKC", term.text)
    tokens = _tokens(text)
    runs = _CJK_RUN.findall(text)
    ends_with_cjk = bool(runs) and _LATIN_TOKEN.findall(text)[-1].endswith(runs[-1])
    prefix = term.prefix
    if ends_with_cjk:
        if len(runs[-1]) >= 2:
            tokens = tokens[:-1]  # the tail is only there for what follows the run
        else:
            prefix = True  # a lone last character may start a bigram
    phrase = '"' + " ".join(tokens) + '"'
    return phrase + " *" if prefix else phrase


def _phrases(term: Term, exact_script: bool) -> list[str]:
    """The FTS5 phrases looking for ``term``: as typed in the written text, and folded in the
    folded text (also in the kept lines, which are their own folding) unless ``exact_script``
    or folding leaves the term as it is; then the term is looked for in every column searched."""
    typed = unicodedata.normalize("NFKC", term.text)
    simplified = to_simplified(typed)
    if exact_script or simplified == typed:
        return [_term_expression(term)]
    return [
        _column_filter(TEXT_COLUMNS + TRADITIONAL_COLUMNS, _term_expression(term)),
        _column_filter(TEXT_COLUMNS + FOLDED_COLUMNS, _term_expression(Term(simplified, term.prefix, term.quoted))),
    ]


def _alternatives(term: Term, exact_script: bool) -> str:
    expressions = _phrases(term, exact_script)
    return expressions[0] if len(expressions) == 1 else "(" + " OR ".join(expressions) + ")"


def _column_filter(columns: tuple[str, ...], expression: str) -> str:
    return "{" + " ".join(columns) + "} : (" + expression + ")"


def _index_columns(columns: tuple[str, ...] | None, exact_script: bool) -> tuple[str, ...] | None:
    """The FTS columns holding the texts ``columns`` (all texts when None): each text's kept and
    Traditional lines, and its folded lines unless ``exact_script``; None for every column."""
    if columns is None and not exact_script:
        return None
    columns = columns or TEXT_COLUMNS
    parts = [(column, f"{column}_traditional") + (() if exact_script else (f"{column}_folded",)) for column in columns]
    return tuple(name for part in parts for name in part)


def match_query(
    query: Query | str,
    *,
    columns: tuple[str, ...] | None = None,
    exact_script: bool = False,
    found_in: tuple[str, ...] | None = None,
) -> str:
    """The FTS5 expression looking for the user's ``query`` (a :class:`Query`, or its text), with
    the same rewrite as :func:`index_text`.

    :param columns: restrict the search to these texts (of :data:`TEXT_COLUMNS`; an FTS5
        column filter over their columns).
    :param exact_script: search as typed: ``干细胞`` no longer finds ``幹細胞``, nor the reverse.
    :param found_in: the terms looked for must be found in these texts (``("title",)``),
        while excluded terms still exclude wherever in ``columns`` they are.
    :raises QuerySyntaxError: when the query cannot be understood.

    >>> match_query("外泌体 COPD")
    '("外泌 泌体" AND "copd")'
    """
    parsed = as_query(query)
    groups = ["(" + " AND ".join(_alternatives(t, exact_script) for t in group) + ")" for group in parsed.groups]
    expression = " OR ".join(groups)
    if found_in:
        expression = _column_filter(_index_columns(found_in, exact_script), expression)
    if parsed.excluded:
        excluded = " OR ".join(_alternatives(t, exact_script) for t in parsed.excluded)
        expression = f"({expression}) NOT ({excluded})"
    searched = _index_columns(columns, exact_script)
    if searched:
        expression = _column_filter(searched, expression)
    return expression


def phrase_queries(query: Query | str, *, columns: tuple[str, ...] | None = None, exact_script: bool = False) -> list[str]:
    """Each FTS5 phrase of :func:`match_query`'s expression on its own (excluded ones too), in
    ``columns`` as :func:`match_query` searches them: what bm25 counts the matches of, one
    phrase at a time, before it can rank anything."""
    parsed = as_query(query)
    phrases = [phrase for term in parsed.terms + parsed.excluded for phrase in _phrases(term, exact_script)]
    searched = _index_columns(columns, exact_script)
    return [_column_filter(searched, phrase) for phrase in phrases] if searched else phrases


def highlight_pieces(query: Query | str) -> list[tuple[str, str]]:
    """What to highlight in a snippet for ``query``: ``(piece, kind)`` for each CJK run
    (``"cjk"``), Latin token (``"word"``) or prefix token (``"prefix"``) of the terms
    looked for (not of the excluded ones), as typed and folded to Simplified, longest first."""
    pieces = set()
    for term in as_query(query).terms:
        typed = unicodedata.normalize("NFKC", term.text)
        pieces.update(_pieces(typed, term.prefix))
        pieces.update(_pieces(to_simplified(typed), term.prefix))
    return sorted(pieces, key=lambda piece: (-len(piece[0]), piece))


def _pieces(text: str, prefix: bool) -> list[tuple[str, str]]:
    """:func:`highlight_pieces` of one term's ``text``."""
    found = []
    for token in _LATIN_TOKEN.findall(text):
        last = 0
        for run in _CJK_RUN.finditer(token):
            if token[last : run.start()]:
                found.append((token[last : run.start()], "word"))
            found.append((run.group(), "cjk"))
            last = run.end()
        if token[last:]:
            found.append((token[last:], "word"))
    if found and prefix and found[-1][1] == "word":
        found[-1] = (found[-1][0], "prefix")
    return found
