"""Which pages of a manifest came back signed, and whether that makes it delivered. Pure.

A long manifest prints as slips of `per_page` households, each with its own signature line
and a QR naming the manifest, the page and the page count (`picker.domain.ids`). The
committee signs every slip; each photo proves its pages. The manifest counts as delivered
when every page of one printing is signed. A printing is known by its page count: a manifest
printed again after bags came off it may have fewer pages, and its pages do not cover the
first printing's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SignedPage:
    """Page `page` of a printing of `pages` pages came back signed."""

    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class PageProof:
    """A manifest's signed pages, in the order they came back."""

    manifest: str
    committee: str
    signed: tuple[SignedPage, ...]

    @property
    def pages(self) -> int:
        """The page count of the printing the latest photo came from (0 when none came back)."""
        complete = self._complete_printing()
        if complete:
            return complete
        return self.signed[-1].pages if self.signed else 0

    @property
    def complete(self) -> bool:
        """Every page of one printing is signed."""
        return bool(self._complete_printing())

    @property
    def missing(self) -> tuple[int, ...]:
        """The pages of `pages` not signed yet; none once complete."""
        if self.complete or not self.signed:
            return ()
        n = self.pages
        have = {s.page for s in self.signed if s.pages == n}
        return tuple(p for p in range(1, n + 1) if p not in have)

    def _complete_printing(self) -> int:
        counts = {s.pages for s in self.signed}
        for n in sorted(counts):
            if {s.page for s in self.signed if s.pages == n} >= set(range(1, n + 1)):
                return n
        return 0


def page_ranges(pages: Iterable[int]) -> str:
    """`1, 3-5, 9` for pages 1, 3, 4, 5, 9: a missing stretch of a long manifest in one line."""
    ordered = sorted(set(pages))
    runs: list[list[int]] = []
    for p in ordered:
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def proofs(rows: Sequence[tuple[str, str, int, int]]) -> list[PageProof]:
    """PageProofs from (manifest, committee, page, pages) rows in signing order, in the
    order each manifest first appears."""
    grouped: dict[tuple[str, str], list[SignedPage]] = {}
    for manifest, committee, page, pages in rows:
        grouped.setdefault((manifest, committee), []).append(SignedPage(page, pages))
    return [PageProof(m, c, tuple(s)) for (m, c), s in grouped.items()]
