"""Fetch an MTA-STS policy file (RFC 8461 §3.3) over HTTPS, with the host's address found through the same
resolver as every other check. Outcomes come back as ``LookupOutcome``: NOERROR with the body, NXDOMAIN
for a definite "there is no valid policy here", TIMEOUT or FAILURE when the answer is unknown."""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit

import httpx

from ipdash.domain.auth.mta_sts import MAX_POLICY_CHARS
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode


async def fetch_policy(
    url: str,
    address: str,
    *,
    port: int = 443,
    verify: ssl.SSLContext | bool = True,
    wait: float = 5.0,
) -> LookupOutcome:
    """GET ``url`` from ``address`` (already resolved), checking the certificate for the URL's host."""
    host = urlsplit(url).hostname or ""
    path = urlsplit(url).path
    literal = f"[{address}]" if ":" in address else address
    target = f"https://{literal}:{port}{path}"
    try:
        async with (
            httpx.AsyncClient(verify=verify, timeout=wait, follow_redirects=False) as client,
            client.stream(
                "GET", target, headers={"Host": host}, extensions={"sni_hostname": host}
            ) as response,
        ):
            if response.is_redirect:
                return _definite(f"redirects ({response.status_code}); RFC 8461 §3.3 forbids following")
            if response.status_code == 404:
                return _definite("answers 404 Not Found")
            if response.status_code != 200:
                return LookupOutcome(Rcode.FAILURE, detail=f"HTTP {response.status_code}")
            body = await _read_limited(response)
    except httpx.TimeoutException:
        return LookupOutcome(Rcode.TIMEOUT, detail=f"no answer from {host} in {wait:g} s")
    except httpx.ConnectError as error:
        if isinstance(error.__cause__, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(
            error
        ):
            return _definite(f"has no valid certificate for {host}: senders will not use the policy")
        return LookupOutcome(
            Rcode.FAILURE, detail=f"could not connect to {host}: {error or type(error).__name__}"
        )
    except (httpx.HTTPError, ssl.SSLError) as error:
        return LookupOutcome(Rcode.FAILURE, detail=f"{host}: {error or type(error).__name__}")
    if body is None:
        return _definite(f"is larger than {MAX_POLICY_CHARS} bytes")
    return LookupOutcome(Rcode.NOERROR, (body,))


def _definite(detail: str) -> LookupOutcome:
    return LookupOutcome(Rcode.NXDOMAIN, detail=detail)


async def _read_limited(response: httpx.Response) -> str | None:
    data = bytearray()
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) > MAX_POLICY_CHARS:
            return None
    return data.decode("utf-8", errors="replace")
