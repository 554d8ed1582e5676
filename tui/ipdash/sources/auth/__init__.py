"""The IO side of sending-domain checks: DNS through the blocklist checks' resolver settings
(``--nameserver``, [blocklists] nameserver, else the system resolver), the MTA-STS policy over HTTPS, and
an offline resolver over a bundled zone snapshot for the sample data.

Typical use::

    async with AuthRunner(Lookups(DnsClient(nameserver), timeout=2.5)) as runner:
        results = await runner.check_all(specs)
"""

from ipdash.sources.auth.lookups import Lookups, Resolver
from ipdash.sources.auth.runner import AuthRunner, check_domains, load_requirements

__all__ = ["AuthRunner", "Lookups", "Resolver", "check_domains", "load_requirements"]
