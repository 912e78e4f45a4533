"""Categories as portals name them, and the group each counts in."""

import functools

from .cjkfts import to_simplified


@functools.lru_cache(maxsize=4096)
def category_group(category: str | None) -> str | None:
    """The group ``category`` counts in: its Simplified spelling (政策法規 -> 政策法规). A portal
    has few categories, so each is converted once."""
    return to_simplified(category) if category else None
