"""Article HTML made safe to store and show: an allow-list of tags and attributes; and crawled
text made safe for a terminal and for XML.

Pages from the web are untrusted. What survives can format text and show
images and links; nothing can run script, load frames or style the page.
"""

import re
from html import escape

import nh3

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "caption", "code", "em", "figcaption", "figure", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
ALLOWED_URL_SCHEMES = {"http", "https"}


def sanitize_html(html: str) -> str:
    """``html`` reduced to the allow-list; scripts, handlers, frames and non-http(s) URLs removed."""
    # Leading byte-order marks go: the HTML parser drops one per pass, so keeping them would
    # make sanitising twice differ from sanitising once.
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).lstrip("\ufeff")


#: What a terminal acts on instead of showing: C0 controls but tab and newline (ESC starts the
#: sequences that retitle the window or rewrite the screen), DEL, C1 controls (U+009B is CSI
#: too), and the bidirectional marks, overrides and isolates that reorder the text shown.
_TERMINAL_ACTIONS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: What XML 1.0 does not allow in a document at all, even escaped.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def terminal_text(text: str) -> str:
    """``text`` to print on a terminal: its control and bidi-override characters removed."""
    return _TERMINAL_ACTIONS.sub("", text)


def xml_text(text: str) -> str:
    """``text`` as XML character data or an attribute value: escaped, without the characters XML forbids."""
    return escape(_NOT_XML.sub("", text))
