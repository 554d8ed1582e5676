"""Walk an SPF record through every include and redirect, counting DNS lookups and void lookups the way a
receiver does (RFC 7208 §4.6.4: at most 10 lookup terms, at most 2 lookups that return nothing), and keep
the chain for people to read. Lookups whose answer depends on the sending IP are counted, not followed."""

from __future__ import annotations

from dataclasses import dataclass, field

from ipdash.domain.auth.answers import Answers, Pending, is_unanswered, txt_records, unanswered_reason
from ipdash.domain.auth.spf_macros import MacroContext, expand, has_ip_macros
from ipdash.domain.auth.spf_record import LOOKUP_MECHANISMS, SpfRecord, SpfSyntaxError, is_spf, parse_spf
from ipdash.domain.auth.tags import printable
from ipdash.domain.dnsbl.lookups import Rcode

LOOKUP_LIMIT = 10
VOID_LIMIT = 2
MX_LIMIT = 10
#: The walk stops following includes after this many lookups: enough to show how far over 10 a record is.
WALK_CAP = 40
MAX_DEPTH = 12


@dataclass
class SpfNode:
    """One record in the chain: the domain, how it was reached, the record text and what went wrong."""

    domain: str
    via: str = ""  # "" for the domain itself, "include" or "redirect"
    record: str | None = None
    lookups: int = 0
    problem: str = ""
    children: list[SpfNode] = field(default_factory=list)


@dataclass
class SpfWalk:
    root: SpfNode
    lookups: int = 0
    void_lookups: int = 0
    permerrors: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    capped: bool = False
    pending: bool = False
    record: SpfRecord | None = None


def find_record(answers: Answers, domain: str) -> tuple[SpfRecord | None, str, bool]:
    """(record, problem, unanswered). Raises Pending until the TXT answer is known."""
    outcome = answers.get(domain, "TXT")
    if is_unanswered(outcome):
        return None, unanswered_reason(domain, "TXT", outcome), True
    records = [v for v in txt_records(outcome) if is_spf(v)]
    if not records:
        return None, f"{domain} has no SPF record", False
    if len(records) > 1:
        return None, f"{domain} publishes {len(records)} SPF records (RFC 7208 §4.5: permerror)", False
    try:
        return parse_spf(records[0]), "", False
    except SpfSyntaxError as error:
        return None, f"{domain}: {error}", False


def walk_spf(answers: Answers, domain: str) -> SpfWalk:
    walk = SpfWalk(SpfNode(domain))
    walk.record = _visit(answers, walk, walk.root, (domain.lower(),), 0)
    if walk.pending:
        raise Pending((domain, "TXT"))
    return walk


def _visit(
    answers: Answers, walk: SpfWalk, node: SpfNode, chain: tuple[str, ...], depth: int
) -> SpfRecord | None:
    try:
        outcome = answers.get(node.domain, "TXT")
    except Pending:
        walk.pending = True
        return None
    if node.via and (
        outcome.rcode is Rcode.NXDOMAIN or (outcome.rcode is Rcode.NOERROR and not outcome.values)
    ):
        walk.void_lookups += 1
    record, problem, unanswered = find_record(answers, node.domain)
    node.problem = problem
    if record is None:
        (walk.unanswered if unanswered else walk.permerrors).append(problem)
        return None
    node.record = printable(record.text, 2048)
    context = MacroContext(node.domain)
    for directive in record.directives:
        if directive.mechanism not in LOOKUP_MECHANISMS:
            continue
        if walk.lookups >= WALK_CAP:
            walk.capped = True
            return record
        walk.lookups += 1
        node.lookups += 1
        _directive(answers, walk, node, directive.mechanism, directive.target, context, chain, depth)
    if record.redirect and record.all_qualifier is None and not walk.capped:
        walk.lookups += 1
        node.lookups += 1
        _follow(answers, walk, node, "redirect", record.redirect, context, chain, depth)
    return record


def _directive(
    answers: Answers,
    walk: SpfWalk,
    node: SpfNode,
    mechanism: str,
    target: str,
    context: MacroContext,
    chain: tuple[str, ...],
    depth: int,
) -> None:
    if mechanism == "include":
        _follow(answers, walk, node, "include", target, context, chain, depth)
        return
    if mechanism == "ptr":
        walk.notes.append(f"{node.domain} uses the ptr mechanism, which RFC 7208 §5.5 says not to use")
        return
    spec = target or node.domain
    if has_ip_macros(spec):
        return  # its lookup depends on the sending IP: evaluated per IP
    try:
        name = expand(spec, context)
    except SpfSyntaxError as error:
        walk.permerrors.append(f"{node.domain}: {error}")
        return
    rdtype = "MX" if mechanism == "mx" else "A"
    try:
        outcome = answers.get(name, rdtype)
    except Pending:
        walk.pending = True
        return
    if is_unanswered(outcome):
        walk.unanswered.append(unanswered_reason(name, rdtype, outcome))
    elif not outcome.has_records:
        walk.void_lookups += 1
    elif mechanism == "mx" and len(outcome.values) > MX_LIMIT:
        walk.permerrors.append(f"{name} has {len(outcome.values)} MX records: over the limit of {MX_LIMIT}")


def _follow(
    answers: Answers,
    walk: SpfWalk,
    node: SpfNode,
    via: str,
    target: str,
    context: MacroContext,
    chain: tuple[str, ...],
    depth: int,
) -> None:
    if has_ip_macros(target):
        walk.notes.append(f"{via}:{printable(target, 80)} depends on the sending IP: followed per IP only")
        return
    try:
        domain = expand(target, context).lower()
    except SpfSyntaxError as error:
        walk.permerrors.append(f"{node.domain}: {error}")
        return
    child = SpfNode(domain, via)
    node.children.append(child)
    if domain in chain:
        child.problem = f"loop: {' → '.join((*chain, domain))}"
        walk.permerrors.append(child.problem)
        return
    if depth + 1 > MAX_DEPTH:
        child.problem = f"includes nested more than {MAX_DEPTH} deep"
        walk.permerrors.append(child.problem)
        return
    _visit(answers, walk, child, (*chain, domain), depth + 1)


def chain_lines(node: SpfNode, indent: int = 0) -> list[str]:
    """The chain as indented text lines: 'include:_spf.example.net (3 lookups) v=spf1 …'."""
    head = f"{node.via}:{node.domain}" if node.via else node.domain
    detail = f" ({node.lookups} lookup{'s' if node.lookups != 1 else ''})" if node.record else ""
    text = node.record if node.record else f"— {node.problem or 'not fetched'}"
    lines = [f"{'  ' * indent}{head}{detail}  {text}"]
    for child in node.children:
        lines += chain_lines(child, indent + 1)
    return lines
