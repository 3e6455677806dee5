"""Pages of a long list: how many there are, which one to show, where it starts. A page asked for past
the end is the last, and one before the start is the first (the lists of decision 0034)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paging:
    """Page ``page`` (from 1) of ``pages``, ``size`` entries each."""

    page: int
    pages: int
    size: int

    @property
    def offset(self) -> int:
        """How many entries come before this page."""
        return (self.page - 1) * self.size


def paging(total: int, page: int, size: int) -> Paging:
    """The page to show of ``total`` entries, ``size`` a page: at least one page, ``page`` kept within them."""
    pages = max(1, -(-total // size))
    return Paging(page=min(max(1, page), pages), pages=pages, size=size)
