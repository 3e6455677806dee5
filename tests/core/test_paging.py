"""Paging a list: the number of pages, and a page asked for out of range brought back within them."""

from anju.core.paging import paging


def test_pages_offsets_and_out_of_range_pages() -> None:
    assert paging(0, 1, 50) == paging(0, 7, 50)  # an empty list is one (empty) page
    assert (paging(0, 1, 50).pages, paging(50, 1, 50).pages, paging(51, 1, 50).pages) == (1, 1, 2)
    assert (paging(120, 3, 50).page, paging(120, 3, 50).offset) == (3, 100)
    assert paging(120, 99, 50).page == 3 and paging(120, -2, 50).page == 1
