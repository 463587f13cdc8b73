"""The port matrix behind the deployment page: search, per-column filters, sort and pages.

The rows are the ones ``portplan report`` writes (:func:`portplan.report.matrix_rows`). A page
asks for one window of them at a time, so a deployment with 100,000 rows stays as quick to
browse as one with ten: the browser never holds more than a page.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field, fields

from portplan.model.concrete import Resolution
from portplan.pipeline import MATRIX_COLUMNS, MatrixRow, matrix_rows

KEYS: tuple[str, ...] = tuple(f.name for f in fields(MatrixRow))
# MatrixRow.cells() is dataclasses.astuple, which deep-copies every cell: ten times slower.
_CELLS = operator.attrgetter(*KEYS)
MAX_PAGE = 1000


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort ``tcp/9`` before ``tcp/10`` and ``10.0.0.9`` before ``10.0.0.10``."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.lower())
        for part in re.split(r"(\d+)", text)
        if part
    )


@dataclass(frozen=True)
class MatrixQuery:
    search: str = ""
    filters: tuple[tuple[str, str], ...] = ()  # (column key, text the cell must contain)
    sort: str | None = None
    descending: bool = False
    offset: int = 0
    limit: int = 100


@dataclass(frozen=True)
class MatrixPage:
    total: int
    matched: int
    offset: int
    rows: list[tuple[str, ...]]


@dataclass
class Matrix:
    rows: list[tuple[str, ...]]
    _folded: list[tuple[str, ...]] = field(default_factory=list)
    _orders: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, resolution: Resolution) -> Matrix:
        rows: list[tuple[str, ...]] = [_CELLS(row) for row in matrix_rows(resolution)]
        return cls(rows, [tuple(cell.casefold() for cell in row) for row in rows])

    @staticmethod
    def columns() -> list[dict[str, str]]:
        return [{"key": k, "title": t} for k, t in zip(KEYS, MATRIX_COLUMNS, strict=True)]

    def query(self, query: MatrixQuery) -> MatrixPage:
        for key, _ in query.filters:
            if key not in KEYS:
                raise ValueError(f"unknown column '{key}' — use one of {', '.join(KEYS)}")
        if query.sort is not None and query.sort not in KEYS:
            raise ValueError(f"unknown column '{query.sort}' — use one of {', '.join(KEYS)}")
        order = self._order(query.sort) if query.sort else range(len(self.rows))
        if query.descending:
            order = list(reversed(order))
        terms = query.search.casefold().split()
        filters = [(KEYS.index(k), text.casefold()) for k, text in query.filters if text.strip()]
        matched = [i for i in order if self._matches(self._folded[i], terms, filters)]
        limit = max(1, min(query.limit, MAX_PAGE))
        offset = max(0, query.offset)
        window = [self.rows[i] for i in matched[offset : offset + limit]]
        return MatrixPage(len(self.rows), len(matched), offset, window)

    def _order(self, key: str) -> list[int]:
        if key not in self._orders:
            column = KEYS.index(key)
            self._orders[key] = sorted(
                range(len(self.rows)), key=lambda i: natural_key(self.rows[i][column])
            )
        return self._orders[key]

    @staticmethod
    def _matches(row: tuple[str, ...], terms: list[str], filters: list[tuple[int, str]]) -> bool:
        if any(text not in row[column] for column, text in filters):
            return False
        if not terms:
            return True
        joined = "\t".join(row)
        return all(term in joined for term in terms)
