"""Pseudonymisation of pupil identifiers with a keyed hash (HMAC-SHA256).

Pupil identifiers are replaced as soon as they are read; the same pseudonym is computed in
Python (:func:`pseudonymise`) and inside DuckDB (:func:`hmac_sql`), so that pupil-level rows of
large files never reach pandas with a raw identifier.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

import pandas as pd

from josanalysis.core.errors import ConfigError

__all__ = ["PSEUDONYM_KEY_ENV", "PSEUDONYM_PREFIX", "pseudonym_key", "pseudonymise", "hmac_sql", "PUPIL_ID_HEADERS"]

#: Column headers under which input files carry pupil (or client) identifiers: the synonyms the
#: loaders accept (attendance, leerplicht, provider), which the output scan reads back.
PUPIL_ID_HEADERS = ("leerling_id", "leerlingnummer", "leerling", "llnr", "pupil_id", "pupil", "student_id", "bsn",
                    "onderwijsnummer", "client_id", "clientnummer")

#: Environment variable holding the pseudonymisation key (any string; its UTF-8 bytes are used).
PSEUDONYM_KEY_ENV = "JOSANALYSIS_PSEUDONYM_KEY"

#: Every pseudonym starts with this, so that an output scan can recognise one by its shape
#: (``ll-`` + 16 hex digits) without mistaking other hex strings or long numbers for it.
PSEUDONYM_PREFIX = "ll-"

_PROCESS_KEY = secrets.token_bytes(32)


def pseudonym_key(key: bytes | str | None = None) -> bytes:
    """The pseudonymisation key: ``key``, else env ``JOSANALYSIS_PSEUDONYM_KEY``, else a random
    key made once per process (pseudonyms then differ between runs; they still link records
    within one run, which is all the library needs)."""
    if key is None:
        env = os.environ.get(PSEUDONYM_KEY_ENV)
        if env:
            return env.encode("utf-8")
        return _PROCESS_KEY
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, bytes) or not key:
        raise ConfigError("the pseudonymisation key must be non-empty bytes or text.")
    return key


def pseudonymise(ids: pd.Series, key: bytes | None = None) -> pd.Series:
    """Replace pupil identifiers by a keyed hash (``ll-`` + HMAC-SHA256 in hex, first 16 characters).

    Parameters
    ----------
    ids
        Identifiers (converted to stripped text; missing stays missing).
    key
        Secret key; default from env ``JOSANALYSIS_PSEUDONYM_KEY``, else a random per-process key.

    Returns
    -------
    pandas.Series
        Pseudonyms (str), same index.

    Examples
    --------
    >>> pseudonymise(pd.Series(["123456"]), key=b"secret").iloc[0]
    'll-4a83854cf6f0112b'
    """
    k = pseudonym_key(key)
    s = pd.Series(ids)
    text = s.astype(str).str.strip()
    out = [
        PSEUDONYM_PREFIX + hmac.new(k, v.encode("utf-8"), hashlib.sha256).hexdigest()[:16] if ok else None
        for v, ok in zip(text, s.notna() & (text != ""), strict=True)
    ]
    return pd.Series(out, index=s.index, dtype="str")


def hmac_sql(expr: str, key: bytes | None = None) -> str:
    """A DuckDB SQL expression computing the same pseudonym as :func:`pseudonymise`.

    HMAC-SHA256 written out with DuckDB's ``sha256`` on blobs:
    ``sha256((K ^ opad) || sha256((K ^ ipad) || m))``, keys padded to 64 bytes.
    """
    k = pseudonym_key(key)
    if len(k) > 64:
        k = hashlib.sha256(k).digest()
    k = k.ljust(64, b"\x00")
    ipad = bytes(b ^ 0x36 for b in k).hex()
    opad = bytes(b ^ 0x5C for b in k).hex()
    return (
        f"'{PSEUDONYM_PREFIX}' || left(sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || "
        f"encode(trim(CAST({expr} AS VARCHAR)))))), 16)"
    )
