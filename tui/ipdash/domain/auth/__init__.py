"""Sending-domain authentication, judged from already-fetched DNS and HTTPS answers (pure).

SPF (RFC 7208), DKIM keys (RFC 6376, RFC 8463), DMARC (RFC 7489 and the DMARCbis tree walk), BIMI,
MTA-STS (RFC 8461), TLS-RPT (RFC 8460) and the mailbox providers' bulk-sender checklists. The IO side
(ipdash.sources.auth) runs ``judge_domain`` and fetches what it reports missing, until nothing is.
"""
