"""Article HTML made safe to store and show: an allow-list of tags and attributes.

Pages from the web are untrusted. What survives can format text and show
images and links; nothing can run script, load frames or style the page.
"""

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
