"""ipdash: a terminal dashboard for email sending IPs."""

__version__ = "0.1.0"
