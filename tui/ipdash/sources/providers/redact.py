"""One redaction step for every text that leaves a source (poll output, ``sources test``, the
store's ``last_error``, the Sources panel, log lines).

A secret can come back in many spellings: raw, percent-encoded in a query string (``quote``
and ``quote_plus``, upper- or lower-case hex), JSON-escaped, or inside an ``Authorization``
header a provider echoes (base64 of ``user:key``, e.g. Mailgun's ``api:KEY``). Every
spelling of every registered secret is masked, and so is any ``Basic``/``Bearer`` credential
whatever it holds. Then the text is made safe for a terminal (:func:`safe_text`).
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus

from ipdash.domain.safe_text import safe_text

MASK = "***"
_AUTH_CREDENTIAL = re.compile(r"\b(Basic|Bearer|Token|token)(\s+|=)[A-Za-z0-9+/=._~%-]{6,}")
_HEX_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def spellings(secret: str, *, basic_users: tuple[str, ...] = ()) -> set[str]:
    """Every form in which ``secret`` may be echoed back."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret), json.dumps(secret)[1:-1]}
    forms |= {_HEX_ESCAPE.sub(lambda m: m.group(0).lower(), form) for form in list(forms)}
    for user in basic_users:
        token = base64.b64encode(f"{user}:{secret}".encode()).decode()
        forms |= {token, token.rstrip("="), quote(token, safe="")}
    return {form for form in forms if len(form) >= 4}


class Redactor:
    """The secrets one source (or the whole process) holds, and the step that masks them."""

    def __init__(self) -> None:
        self._forms: set[str] = set()
        self._ordered: list[str] = []

    def add(self, secret: str, *, basic_users: tuple[str, ...] = ()) -> None:
        if secret:
            self._forms |= spellings(secret, basic_users=basic_users)
            self._ordered = sorted(self._forms, key=len, reverse=True)  # longest first

    def __bool__(self) -> bool:
        return bool(self._forms)

    def mask(self, text: str) -> str:
        for form in self._ordered:
            if form in text:
                text = text.replace(form, MASK)
        return _AUTH_CREDENTIAL.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)

    def outgoing(self, text: str) -> str:
        """The one step: masked, made terminal-safe, and masked again (a secret split by a control
        character is whole once the character is gone)."""
        return self.mask(safe_text(self.mask(text)))
