"""A paginator for long ordered lists: the page's ids first, then its rows.

A list page ordered across joined tables (unit, then name) must sort every matching row to find its
fifty. `Paginator` sorts the full rows, with every column of every joined table; `NarrowPaginator`
sorts only the ids (a narrow sort, about half the time at 50,000 projects) and then reads the page's
rows by id, with the queryset's own joins and ordering. Same pages, same order, one more query.
A caller that counted the rows already (with its totals) passes `count` and saves the COUNT query.

With `totals` (names → aggregates such as ``Sum("total_investment")``, possibly none), `get_page` also
reads the count and the totals of every matching row in the ids query, as window aggregates over the
same scan (``COUNT(*) OVER ()``): a filtered list whose filter costs a scan of the table (a text search)
then scans it once instead of once for the count, once for the totals and once for the page. The totals
are `page.totals`. A page past the end (or an empty list) costs one more query: the count and totals by
themselves, then the last page.
"""

from django.core.paginator import InvalidPage, Page, Paginator
from django.db import connections
from django.db.models import Count, F, Window
from django.utils.functional import cached_property

COUNT = "_narrow_count"
# Beyond any list (and within PostgreSQL's bigint OFFSET): a larger ?page= is past the end, answered as such.
MAX_PAGE = 10**9


class NarrowPaginator(Paginator):
    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, totals=None, count=None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.totals_wanted = totals
        if count is not None:  # the caller counted already (with its totals): no COUNT query of its own
            self.__dict__["count"] = count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        page = self._rows_page(ids, number)
        if self.totals_wanted is not None:
            page.totals = self.totals
        return page

    def get_page(self, number):
        if self.totals_wanted is None or self.object_list.query.distinct:
            return super().get_page(number)  # a DISTINCT list would count its duplicates in the window
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        page = self._windowed_page(number) if 1 <= number <= MAX_PAGE else None
        if page is None:  # past the end (or before the start), or nothing matches: Paginator.get_page's answer
            self.totals  # noqa: B018 - the count and totals in one query, before page() asks for the count
            try:
                return self.page(number)
            except InvalidPage:
                return self.page(self.num_pages)
        return page

    @property
    def totals(self) -> dict:
        """The count and totals of every matching row (one aggregate query when the ids query did not read them)."""
        if "_totals" not in self.__dict__:
            totals = self.object_list.order_by().aggregate(**{COUNT: Count("pk")}, **self.totals_wanted)
            self.__dict__["count"] = totals.pop(COUNT)
            self.__dict__["_totals"] = totals
        return {"count": self.count, **self.__dict__["_totals"]}

    def _ordering(self) -> list[str] | None:
        """The list's ordering as field paths ("-name"), or None when it holds an expression."""
        query = self.object_list.query
        ordering = (
            list(query.order_by)
            if query.order_by
            else list(query.get_meta().ordering if query.default_ordering else [])
        )
        return ordering if all(isinstance(item, str) and item != "?" for item in ordering) else None

    def _windowed_page(self, number) -> Page | None:
        """The page's ids with the count and totals of every row; None when the page is empty.

        The windows are computed in a subquery without ORDER BY and the page is cut from it outside: with the
        ORDER BY in the same query PostgreSQL sorts every row to feed the window (and spills it to disk)
        instead of keeping the top rows of one pass."""
        ordering = self._ordering()
        if ordering is None:
            return None
        names = list(self.totals_wanted)
        keys = {f"_narrow_o{i}": F(item.removeprefix("-")) for i, item in enumerate(ordering)}
        windows = {COUNT: Window(Count("pk"))}
        windows.update((f"_narrow_t{i}", Window(self.totals_wanted[name])) for i, name in enumerate(names))
        inner = self.object_list.order_by().annotate(**keys, **windows).values_list("pk", *keys, *windows)
        sql, params = inner.query.sql_with_params()
        order = ", ".join(
            f'narrow."{key}" {"DESC" if item.startswith("-") else "ASC"}'
            for key, item in zip(keys, ordering, strict=True)
        )
        bottom = (number - 1) * self.per_page
        connection = connections[self.object_list.db]
        with connection.cursor() as cursor:
            # per_page + orphans rows: the last page takes up to `orphans` rows more
            cursor.execute(
                f"SELECT narrow.* FROM ({sql}) narrow ORDER BY {order} LIMIT %s OFFSET %s",  # noqa: S608 - our SQL
                [*params, self.per_page + self.orphans, bottom],
            )
            columns = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
        if not rows:
            if number > 1:
                return None
            self.__dict__["count"] = 0  # nothing matches: the totals of no rows, as aggregate() gives them
            self.__dict__["_totals"] = dict.fromkeys(names)
            page = self._get_page([], number, self)
            page.totals = self.totals
            return page
        first = dict(zip(columns, rows[0], strict=True))
        self.__dict__["count"] = count = first[COUNT]
        self.__dict__["_totals"] = {name: first[f"_narrow_t{i}"] for i, name in enumerate(names)}
        if bottom + self.per_page + self.orphans < count:
            rows = rows[: self.per_page]
        elif number > 1 and count - bottom <= self.orphans:
            return None  # these rows are the orphans of the page before, not a page of their own
        page = self._rows_page([row[0] for row in rows], number)
        page.totals = self.totals
        return page

    def _rows_page(self, ids, number) -> Page:
        return self._get_page(list(self.object_list.filter(pk__in=ids)), number, self)


class GroupedPaginator(NarrowPaginator):
    """A `NarrowPaginator` for a list whose first ordering key, ascending and never NULL, has few values (the review
    queue: the report's unit's sort order, then the project's name).

    One grouped query counts the rows of each value of that key — the list's count too, instead of a COUNT — and
    the page's ids are sorted from the rows of only the values the page spans: a month's 28,000 reports at
    province scale are no longer sorted by project name for a page of fifty from one or two units. Same pages,
    same order, as many queries.
    """

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        ordering = self._ordering()
        if not ordering or ordering[0].startswith("-"):
            raise ValueError("GroupedPaginator needs a list ordered first by a field, ascending")
        self.leading = ordering[0]

    @cached_property
    def leading_counts(self) -> list[tuple[object, int]]:
        """(value of the leading key, its rows), in the list's order."""
        rows = self.object_list.order_by().values_list(self.leading).annotate(rows=Count("*"))
        return sorted(rows, key=lambda row: row[0])

    @cached_property
    def count(self) -> int:
        return sum(rows for _value, rows in self.leading_counts)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        values, first, start = [], None, 0
        for value, rows in self.leading_counts:
            if start < top and start + rows > bottom:
                values.append(value)
                first = start if first is None else first
            start += rows
        ids = []
        if values:  # the spanned values are consecutive: their rows start at `first` in the whole list
            spanned = self.object_list.filter(**{f"{self.leading}__in": values})
            ids = list(spanned.values_list("pk", flat=True)[bottom - first : top - first])
        return self._rows_page(ids, number)
