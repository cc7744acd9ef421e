"""Diacritic- and case-insensitive search over tasks and directives, on SQLite and PostgreSQL.

Neither database folds Vietnamese diacritics by itself (SQLite has no `unaccent`, and
PostgreSQL's needs an extension), so the folding happens in Python when a row is written:
`Task.search_text` and `Directive.search_text` hold a normalised copy of the searchable
text, and a query is normalised the same way before it becomes substring tests.

Normalisation (`normalize`):
- `fold` (lower case, no diacritics, đ -> d): "Sở Tài chính" -> "so tai chinh";
- punctuation becomes a word break, so "15/CT-UBND" is the words "15 ct ubnd";
- a Roman numeral after a word that counts things (quý, đợt, phần, giai đoạn, khóa, ...)
  becomes Arabic: "quý I" and "quy 1" are both "quy 1";
- the stored text starts with a space, so a term can be matched at a word start.

Matching: every term of the query must occur at the start of a word (" term"), so "1"
does not match "2021"; a quoted "phrase" is one term, and a count such as "quy 1" is
one term matched as whole words (so it finds neither "quý 12" nor "quý ... số 15").
The substring test is `instr()` on SQLite and `strpos()` on PostgreSQL rather than
LIKE: faster over 100,000 rows, and `%`/`_` typed by a user are plain characters, never
wildcards (`escape_like` is kept for callers that build LIKE patterns themselves).
"""
import re

from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import literal
from sqlalchemy import literal_column
from sqlalchemy import select
from sqlalchemy import table as sa_table
from sqlalchemy import true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from tracker.models import Directive
from tracker.models import Task
from tracker.search_index import FTS_TABLES
from tracker.services.text import fold

# Words after which a Roman numeral is a count ("quý II", "đợt III", "giai đoạn IV").
_COUNTING_WORDS = ("quy", "dot", "phan", "giai doan", "khoa", "chuong", "muc", "ky", "lan", "nhom", "phu luc")
_ROMAN = {
    "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10,
    "xi": 11, "xii": 12, "xiii": 13, "xiv": 14, "xv": 15, "xvi": 16, "xvii": 17, "xviii": 18,
    "xix": 19, "xx": 20,
}
_ROMAN_AFTER_COUNTER = re.compile(
    r"\b(" + "|".join(w.replace(" ", r"\s") for w in _COUNTING_WORDS) + r")\s(" + "|".join(
        sorted(_ROMAN, key=len, reverse=True)) + r")\b"
)
_COUNTED = re.compile(r"\b(" + "|".join(w.replace(" ", r"\s") for w in _COUNTING_WORDS) + r")\s\d+\b")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_QUOTED = re.compile(r'"([^"]*)"')
LIKE_ESCAPE = "\\"
MAX_TERMS = 12
MAX_QUERY_CHARS = 200
# Entries of the search cache per web worker: an entry is at most the list page's 5,001
# (id, deadline) pairs, about 0.6 MB, so the cache stays under 20 MB.
SEARCH_CACHE_SIZE = 32


def normalize(text: str | None) -> str:
    """The searchable form of a text: folded, punctuation-free, Roman counts as numbers."""
    words = _NON_WORD.sub(" ", fold(text)).strip()
    return _ROMAN_AFTER_COUNTER.sub(lambda m: f"{m.group(1)} {_ROMAN[m.group(2)]}", words)


def _stored(*parts: str | None) -> str:
    """Stored form: the normalised parts joined, with a leading and trailing space."""
    body = " ".join(p for p in (normalize(part) for part in parts) if p)
    return f" {body} "


def search_text_for_directive(directive) -> str:
    """What a directive is found by: its number, code and title."""
    return _stored(getattr(directive, "number", None), getattr(directive, "code", None),
                   getattr(directive, "title", None))


def search_text_for_task(action: str | None, directive, owner: str | None = None) -> str:
    """What a task is found by: its action, its directive's number, code and title and,
    when given, the lead unit as written or registered (`owner`)."""
    parts = [action, owner]
    if directive is not None:
        parts += [getattr(directive, "number", None), getattr(directive, "code", None),
                  getattr(directive, "title", None)]
    return _stored(*parts)


def query_terms(q: str | None) -> list[str]:
    """The normalised terms of a user query; a quoted phrase stays one term.

    A term ending in a space must end at a word end."""
    if not q:
        return []
    q = q[:MAX_QUERY_CHARS]
    terms = [normalize(p) for p in _QUOTED.findall(q)]
    rest = normalize(_QUOTED.sub(" ", q))
    # "quy 1" is one term matched as whole words, so it does not find "quy 12" or "quy ... 15"
    terms += [m.group(0) + " " for m in _COUNTED.finditer(rest)]
    terms += _COUNTED.sub(" ", rest).split()
    seen, out = set(), []
    for term in terms:
        if term and term not in seen:
            seen.add(term)
            out.append(term)
    return out[:MAX_TERMS]


def escape_like(term: str) -> str:
    return term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace(
        "_", LIKE_ESCAPE + "_")


class text_position(FunctionElement):
    """1-based position of `needle` in `column` (0 when absent): a plain substring search.

    `instr()` on SQLite, `strpos()` on PostgreSQL, standard `POSITION(... IN ...)`
    elsewhere. No pattern is interpreted, so `%` and `_` in a query are ordinary
    characters, and it scans faster than LIKE (the stored text is folded already, so no
    case folding is needed either)."""

    type = Integer()
    inherit_cache = True
    name = "text_position"


@compiles(text_position)
def _position_standard(element, compiler, **kw):
    column, needle = list(element.clauses)
    return f"POSITION({compiler.process(needle, **kw)} IN {compiler.process(column, **kw)})"


@compiles(text_position, "sqlite")
def _position_sqlite(element, compiler, **kw):
    column, needle = list(element.clauses)
    return f"instr({compiler.process(column, **kw)}, {compiler.process(needle, **kw)})"


@compiles(text_position, "postgresql")
def _position_postgresql(element, compiler, **kw):
    column, needle = list(element.clauses)
    return f"strpos({compiler.process(column, **kw)}, {compiler.process(needle, **kw)})"


def _term_clause(column, term: str):
    """A term matches at a word start: the stored text has a space before every word."""
    return text_position(column, literal(" " + term, String())) > 0


# FTS5's trigram tokenizer and pg_trgm index only needles of three characters or more;
# shorter terms (" ab" has two letters) are matched by the plain word-start test.
MIN_INDEXED_CHARS = 3


def _fts_phrase(term: str) -> str:
    return '"' + (" " + term).replace('"', '""') + '"'


def _fts_rowids(table_name: str, expr: str):
    """`SELECT rowid FROM <fts> WHERE <fts> MATCH :expr` on SQLite (see search_index).

    Used as a plain `id IN (...)`: wrapped in a comparison (`IN (...) > 0`, as it was)
    SQLite no longer drives the query from the match list but scans every task and tests
    membership (a broad term: 250 instead of 90 ms at 100,000 tasks, issue #18)."""
    fts = FTS_TABLES[table_name]
    return select(literal_column("rowid")).select_from(sa_table(fts)) \
        .where(literal_column(fts).op("MATCH")(literal(expr, String())))


def _indexed_clause(column, terms: list[str], dialect: str):
    """The index-served part of a search on `column`'s table, or None (no long term / backend)."""
    long_terms = [t for t in terms if len(t.strip()) >= MIN_INDEXED_CHARS]
    if not long_terms:
        return None
    if dialect == "sqlite":
        table = column.table
        expr = " AND ".join(_fts_phrase(t) for t in long_terms)
        return table.c.id.in_(_fts_rowids(table.name, expr))
    if dialect == "postgresql":
        # LIKE, not strpos(): the pg_trgm GIN index serves LIKE '%…%' (several in one scan).
        return and_(*(column.like("%" + escape_like(" " + t) + "%", escape=LIKE_ESCAPE) for t in long_terms))
    return None


def _clause(column, q: str | None, dialect: str | None = None):
    terms = query_terms(q)
    if not terms:
        return true()
    indexed = _indexed_clause(column, terms, dialect) if dialect else None
    if indexed is not None:
        # The index finds the candidates; the word-start test keeps the exact meaning (a
        # trigram match is a substring match) and handles the short terms.
        return and_(indexed, *(_term_clause(column, t) for t in terms if dialect == "sqlite"
                               or len(t.strip()) < MIN_INDEXED_CHARS))
    if len(terms) == 1:
        return _term_clause(column, terms[0])
    # One comparison for all the terms, not an AND of one per term: PostgreSQL guesses a
    # third of the rows for each opaque test and multiplies the guesses, so six terms
    # ("giai ngan von dau tu cong", 8 % of the tasks) looked like 50 rows and the page
    # query scanned and sorted the whole table (62 ms) instead of walking the deadline
    # index (1 ms). The CASE is evaluated term by term and stops at the first miss, as the
    # AND did; SQLite plans it the same way.
    return case((and_(*(_term_clause(column, term) for term in terms)), 1), else_=0) > 0


def task_search_clause(q: str | None, dialect: str | None = None):
    """WHERE clause over Task.search_text: every term of `q` must match (TRUE for an empty query).

    With the session's `dialect` the clause goes through that backend's search index."""
    return _clause(Task.search_text, q, dialect)


def directive_search_clause(q: str | None, dialect: str | None = None):
    """WHERE clause over Directive.search_text: every term of `q` must match."""
    return _clause(Directive.search_text, q, dialect)


def cached_search_rows(session, stmt) -> list[tuple]:
    """The rows of a search statement over Task, reused while the task data is unchanged.

    A term test cannot use a B-tree index, so a search scans every task's `search_text`
    (40 to 60 ms at 100,000 tasks on this project's test machine). Paging through the
    results of one query, or the same query from many users of the same scope, repeats
    that scan for the same answer; the match list (or count) is therefore kept per
    (statement text, bound values, data version) in this process's ResultCache (see
    tracker/services/cache.py for why the data version moves with every task change and
    how the time limit bounds the rest). The first search of a term still scans."""
    from tracker.services.cache import cache_for
    from tracker.services.cache import data_version
    from tracker.services.cache import statement_key

    key = (statement_key(stmt, session), data_version(session))
    cache = cache_for(session, "search", maxsize=SEARCH_CACHE_SIZE)
    return cache.get_or_compute(key, lambda: [tuple(r) for r in session.execute(stmt).all()])


def backfill(session, batch: int = 2000) -> int:
    """Fill search_text where it is missing (rows written by older code or bulk loaders).

    Works in batches so a large table is not loaded at once; returns the number of rows
    filled. Does not commit."""
    from sqlalchemy import select
    from sqlalchemy import update

    filled = 0
    for d in session.execute(select(Directive).where(Directive.search_text.is_(None))).scalars():
        d.search_text = search_text_for_directive(d)
        filled += 1
    session.flush()
    directives = {}
    while True:
        rows = session.execute(
            select(Task.id, Task.action, Task.owner_text, Task.directive_id)
            .where(Task.search_text.is_(None)).limit(batch)
        ).all()
        if not rows:
            break
        values = []
        for task_id, action, owner, directive_id in rows:
            if directive_id not in directives:
                directives[directive_id] = session.get(Directive, directive_id)
            values.append({"id": task_id, "search_text": search_text_for_task(action, directives[directive_id], owner)})
        session.execute(update(Task), values)
        filled += len(rows)
    return filled


def cached_search_ids(session, stmt, limit: int):
    """The ids a search statement returns, in its order, if there are at most `limit` of
    them; None when there are more. Kept per data version like `cached_search_rows`.

    `stmt` selects Task.id ordered as the list shows it, with a LIMIT of `limit + 1`: one
    scan of the matches gives the total (their number) and every page, where a count
    and then a walk of the deadline index testing each row's text cost two scans (a broad
    term not searched before: 90 to 150 ms on PostgreSQL at 100,000 tasks, issue #18).
    The ids are kept as a compact array (8 bytes each, 160 KB at 20,000), and the answer
    "more than `limit`" is kept too, so a very broad term does not probe again."""
    from array import array

    from tracker.services.cache import cache_for
    from tracker.services.cache import data_version
    from tracker.services.cache import statement_key

    def compute():
        ids = array("q", session.execute(stmt).scalars())
        return ids if len(ids) <= limit else None

    key = ("ids", statement_key(stmt, session), data_version(session))
    return cache_for(session, "search", maxsize=SEARCH_CACHE_SIZE).get_or_compute(key, compute)
