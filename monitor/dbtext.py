"""What a database URL or failure looks like in one line: passwords hidden, causes in words.

Messages and stored texts go through here, so no credential (in a storage URL, `HF_ENDPOINT`
or an error that quotes either) reaches a terminal, a log or the `runs` table, and a refused
write says "the disk is full", not the SQL statement with its parameters.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL


def check_url(url: str) -> None:
    """Refuse a server URL whose user or password holds `@`, `/`, `?` or `#` unencoded.

    Such a URL splits in the wrong place, and the driver would then print a piece of the
    password as the host name.
    """
    if url.startswith("sqlite"):
        return
    authority_and_path = url.partition("://")[2].partition("?")[0]
    userinfo, at, _ = authority_and_path.rpartition("@")
    if at and any(char in userinfo for char in "@/?#"):
        scheme = url.partition("://")[0]
        raise StoreError(
            f"{scheme}://***@{authority_and_path.rpartition('@')[2]}: the user or password in "
            "the storage URL holds @, /, ? or #; percent-encode them (@ → %40, / → %2F, "
            '? → %3F, # → %23, : → %3A), e.g. with python -c "import urllib.parse; '
            "print(urllib.parse.quote('PASSWORD', safe=''))\""
        )


URL_FORMS = "sqlite:///FILE or postgresql://USER:PASSWORD@HOST/DB"


def parse_url(url: str | URL) -> URL:
    """The storage URL as SQLAlchemy reads it; `postgresql://` means psycopg 3, not psycopg2."""
    from sqlalchemy.engine import make_url  # the CLI imports this module before any command
    from sqlalchemy.exc import ArgumentError

    check_url(str(url))
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise StoreError(
            f"{hide_credentials(str(url))}: not a database URL (use {URL_FORMS})"
        ) from None
    return (
        parsed.set(drivername="postgresql+psycopg") if parsed.drivername == "postgresql" else parsed
    )


def database_file(url: str | URL) -> Path | None:
    """The file a SQLite URL names; None for a server or an in-memory database."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def display_url(url: str | URL) -> str:
    """The URL for messages: a SQLite database as its file, a server's without its password."""
    database = database_file(url)
    return str(database) if database is not None else hide_credentials(str(url))


_SECRET_PARAM = re.compile(r"(?i)\b(password|passwd|pwd|token)=[^&\s]*")


def hide_credentials(text: str) -> str:
    """`scheme://user:secret@host` → `scheme://user:***@host`, also inside longer text."""
    # userinfo holds no "/" (so `hf://datasets/org/name@revision` is left alone) but may hold
    # an unencoded "@": up to the last one before the host goes.
    text = re.sub(
        r"(?P<scheme>[A-Za-z][\w+.-]*://)(?P<userinfo>[^\s/?#]*)@(?P<host>[^@\s/?#]*)",
        _mask_userinfo,
        text,
    )
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}=***", text)


def _mask_userinfo(match: re.Match[str]) -> str:
    user, colon, _secret = match.group("userinfo").partition(":")
    if "/" in user or "@" in user:  # no sane user name: show none of it
        user, colon = "", ":"
    return f"{match.group('scheme')}{user}{':***' if colon else ''}@{match.group('host')}"


def first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).splitlines()[0] if str(orig) else type(orig).__name__


# Database failures in words (SQLite messages, PostgreSQL SQLSTATE classes).
_SQLITE_CAUSES = (
    ("readonly", "the database file is read-only"),
    ("disk is full", "the disk is full"),
    ("database is locked", "another program holds the database's write lock"),
    ("malformed", "the database file is corrupt (restore it from a backup)"),
    ("not a database", "the database file is corrupt (restore it from a backup)"),
    ("disk i/o error", "the disk reported an I/O error"),
    ("unable to open", "the database file cannot be opened"),
)
_PG_CAUSES = {
    "53100": "the database server's disk is full",
    "25006": "the database is read-only",
    "55P03": "another session holds a lock on the tables",
    "57014": "the statement was cancelled (timeout)",
    "XX001": "the database is corrupt",
    "XX002": "an index of the database is corrupt",
    "22003": "a number is out of range for its column",
}


def describe_db_error(exc: BaseException) -> str:
    """The cause of a database failure in words, one line, never the SQL or its parameters."""
    orig = getattr(exc, "orig", None) or exc
    state = getattr(orig, "sqlstate", None)
    if state in _PG_CAUSES:
        return _PG_CAUSES[state]
    message = first_line(exc)
    lowered = message.lower()
    for needle, words in _SQLITE_CAUSES:
        if needle in lowered:
            return words
    return hide_credentials(message)
