"""A ``dmarc`` / ``arf`` source's ``imap`` mailbox as a polled source (``ipdash poll``, the TUI,
``sources test``): each poll saves new reports into the spool folder, which the report loader reads
with the source's paths (the TUI sees the folder change and reloads).

Every failure (refused login, TLS, timeout, the server's BYE, an answer past the client's bounds) is
this source's failed poll with its reason; the password, and anything echoing it, is masked by the
source's one redaction step.
"""

from __future__ import annotations

import asyncio
import imaplib
import ssl
from datetime import date
from typing import Any, ClassVar

import httpx

from ipdash.sources.dmarc.imap_client import ImapLimit
from ipdash.sources.dmarc.imap_fetch import ImapFailure, poll_mailbox
from ipdash.sources.providers.base import Collected, ProviderError, ProviderSource, Runtime


class ImapReportSource(ProviderSource):
    kind: ClassVar[str] = "imap"
    provider: ClassVar[str] = "imap"

    def __init__(self, spec: Any, runtime: Runtime | None = None) -> None:
        super().__init__(spec, runtime)
        self.name = f"{spec.name}-imap"
        self.settings = spec.imap
        self.spool = spec.spool
        self.report_kind: str = spec.kind

    async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
        password = self.secret_from_env(self.settings.password_env, "imap.password_env")
        try:
            poll = await asyncio.to_thread(
                poll_mailbox, self.settings, password, self.spool.expanduser(), self.report_kind
            )
        except ImapFailure as error:
            raise ProviderError(error.kind, str(error)) from None
        except ImapLimit as error:
            raise ProviderError("bad_payload", f"{self._where()}: {error}") from None
        except ssl.SSLCertVerificationError as error:
            raise ProviderError(
                "unavailable", f"{self._where()}: TLS certificate refused: {error.verify_message}"
            ) from None
        except ssl.SSLError as error:
            raise ProviderError(
                "unavailable", f"{self._where()}: TLS failed: {error.reason or error}"
            ) from None
        except TimeoutError:
            raise ProviderError(
                "unavailable", f"{self._where()}: no answer within {self.settings.timeout:g} s"
            ) from None
        except imaplib.IMAP4.abort as error:  # BYE, EOF, an answer that is not IMAP
            raise ProviderError("unavailable", f"{self._where()}: connection broken: {error}") from None
        except imaplib.IMAP4.error as error:
            raise ProviderError("bad_payload", f"{self._where()}: {error}") from None
        except OSError as error:
            raise ProviderError(
                "unavailable", f"{self._where()}: cannot connect: {error.strerror or error}"
            ) from None
        return Collected(notes=[poll.summary(self.spool)])

    def _where(self) -> str:
        return f"IMAP {self.settings.host}:{self.settings.effective_port}"
