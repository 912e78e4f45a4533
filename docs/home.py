"""The site's home page is the README, so the two never say different things.

An MkDocs hook (``mkdocs.yml``: ``hooks``): where ``index.md`` says ``<!-- readme -->`` it puts
README.md, with its links into ``docs/`` made links within the site and its list of pages left
out (the site's navigation lists them).
"""

from pathlib import Path

MARKER = "<!-- readme -->"
README = Path(__file__).resolve().parent.parent / "README.md"
#: The README's last section lists the site's pages; the site shows them in its navigation.
PAGE_LIST = "## Where to go next"


def home_markdown() -> str:
    """The README as the site's home page."""
    text = README.read_text("utf-8").split(PAGE_LIST)[0]
    return text.replace("](docs/", "](")


def on_page_markdown(markdown: str, page, config, files) -> str:
    """MkDocs hook: fill the home page's marker with the README."""
    return markdown.replace(MARKER, home_markdown()) if MARKER in markdown else markdown
