"""Keeping secrets (API keys, tokens, passwords) out of reprs, messages and logs.

One place for it, used by every module that shows text which could hold a secret:
:mod:`helpers.milvus` (the Milvus token and any ``user:password@`` in a URI, in connection
errors) and the Jina rerank client (its API key, in reprs and in what the API answers). The room
server never echoes its password and its cookie holds a keyed hash, but its access log masks any
``?token=`` in an address with :func:`redact_query`.

* :class:`Secret` holds a string that never shows in ``repr``, ``str`` or an f-string.
* :func:`scrub` replaces every occurrence of given secrets in a text by :data:`MASK`.
* :func:`redact_uri` drops the ``user:password@`` part of a URI.
* :func:`redact_query` masks the values of secret query parameters (``?token=...``) in an address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

__all__ = ["MASK", "Secret", "scrub", "redact_uri", "redact_query"]

MASK = "***"


class Secret:
    """A string that never shows in ``repr``, ``str`` or f-strings; read it as ``.value``.

    Examples
    --------
    >>> key = Secret("sk-123")
    >>> f"key={key}", key.value
    ('key=***', 'sk-123')
    """

    __slots__ = ("value",)

    def __init__(self, value: str):
        self.value = value

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__


def scrub(text: str, secrets: Iterable[str | Secret | None]) -> str:
    """``text`` with every occurrence of each secret replaced by :data:`MASK`.

    Parameters
    ----------
    text : str
        A message, a server's answer or a log that may quote a secret.
    secrets : iterable of str, Secret or None
        What to remove; empty strings and None are passed over (there is nothing to hide).

    Returns
    -------
    str

    Examples
    --------
    >>> scrub("rejected key sk-123 for admin", [Secret("sk-123"), None, ""])
    'rejected key *** for admin'
    """
    values = [s.value if isinstance(s, Secret) else s for s in secrets]
    for value in sorted(filter(None, values), key=len, reverse=True):  # longest first: a secret inside another
        text = text.replace(value, MASK)
    return text


def redact_uri(uri: str) -> str:
    """``uri`` without any ``user:password@`` part.

    Examples
    --------
    >>> redact_uri("https://admin:pa55@db.example.com:19530/x")
    'https://***@db.example.com:19530/x'
    >>> redact_uri("work/milvus_demo.db")
    'work/milvus_demo.db'
    """
    parts = urlsplit(uri)
    if parts.username is None and parts.password is None:
        return uri
    host = parts.hostname or ""
    netloc = f"{MASK}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def redact_query(uri: str, names: Iterable[str] = ("token",)) -> str:
    """``uri`` with the value of every query parameter in ``names`` replaced by :data:`MASK`.

    A wrong guess is masked as well as the right password: both are close to the secret.

    Examples
    --------
    >>> redact_query("/nothing?corpus=blog&token=letmein#top")
    '/nothing?corpus=blog&token=***#top'
    >>> redact_query("/?Token=x&tokens=y")
    '/?Token=***&tokens=y'
    """
    pattern = "|".join(re.escape(name) for name in names)
    return re.sub(rf"([?&;](?:{pattern})=)[^&;#]*", rf"\g<1>{MASK}", uri, flags=re.IGNORECASE)
