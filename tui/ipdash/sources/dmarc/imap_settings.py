"""The ``imap`` table of a ``dmarc`` or ``arf`` source: a mailbox whose reports are saved into a folder.

```toml
[[sources]]
kind = "dmarc"
paths = ["dmarc-reports"]
[sources.imap]
host = "imap.example.com"
user = "dmarc@example.com"
password_env = "DMARC_IMAP_PASSWORD"   # the variable's name; the password never lives in the file
security = "tls"                       # tls (IMAPS, port 993) | starttls (port 143)
folder = "INBOX"
search = "new"                         # new: UIDs above the last one read | unseen: and not \\Seen
after = "keep"                         # keep | seen (set \\Seen) | move (to move_to)
```
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FOLDER = re.compile(r"^[^\x00-\x1f\x7f\"\\]{1,200}$")


class ImapSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.\-:\[\]]+$")
    port: int | None = Field(default=None, ge=1, le=65535)
    """Default 993 for tls, 143 for starttls."""
    security: Literal["tls", "starttls"] = "tls"
    """No plain-text mode: the password is only ever sent over TLS."""
    user: str = Field(min_length=1, max_length=320, pattern=r"^[^\s\"\\\x00-\x1f]+$")
    password_env: str
    """Name of the environment variable holding the password."""
    folder: str = "INBOX"
    search: Literal["new", "unseen"] = "new"
    after: Literal["keep", "seen", "move"] = "keep"
    move_to: str | None = None
    save_to: Path | None = None
    """Folder the reports are saved into (default: the source's first path); read like any report folder."""
    ca_file: Path | None = None
    """A CA bundle to trust instead of the system's (a private CA); certificates are always verified."""
    timeout: float = Field(default=30.0, gt=0, le=300)
    """Seconds a read may wait; a whole poll is bounded by ``max(300, 10 × timeout)``."""
    max_messages: int = Field(default=200, ge=1, le=10_000)
    """Messages read per poll; the rest wait for the next poll."""

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("password", "pass", "secret", "token"):
                if key in data:
                    raise ValueError(
                        f"{key!r}: the password is not read from the config file; put it in an "
                        "environment variable and name that variable with password_env"
                    )
        return data

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not _ENV_NAME.match(value):
            raise ValueError(
                "must name an environment variable (letters, digits and _), not hold the password itself"
            )
        return value

    @field_validator("folder", "move_to")
    @classmethod
    def _folder(cls, value: str | None) -> str | None:
        if value is not None and not _FOLDER.match(value):
            raise ValueError("a mailbox name without quotes, backslashes or control characters")
        return value

    @model_validator(mode="after")
    def _move_needs_a_target(self) -> ImapSettings:
        if self.after == "move" and not self.move_to:
            raise ValueError('after = "move" needs move_to (the mailbox to move read messages to)')
        return self

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.security == "tls" else 143)

    @property
    def mailbox_key(self) -> str:
        """Which mailbox: the UID state is kept per key."""
        return f"{self.user}@{self.host}:{self.effective_port}/{self.folder}"
