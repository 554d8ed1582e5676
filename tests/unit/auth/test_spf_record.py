"""SPF record syntax (RFC 7208 §4.6, §5, §6): what parses, what is a permerror, hostile input."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipdash.domain.auth.spf_macros import MacroContext, expand, has_ip_macros
from ipdash.domain.auth.spf_record import SpfSyntaxError, is_spf, parse_spf


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v=spf1", True),
        ("v=spf1 -all", True),
        ("V=SPF1 -all", True),
        ("v=spf10 -all", False),
        ("spf1", False),
    ],
)
def test_version_is_exact(text: str, expected: bool) -> None:
    assert is_spf(text) is expected


def test_directives_modifiers_and_qualifiers() -> None:
    record = parse_spf(
        "v=spf1 ip4:192.0.2.0/24 ~a:mail.example.com/28 -mx//64 ?include:_spf.example.net redirect=_r.example.com exp=x.example.com foo=bar -all"
    )
    assert [(d.qualifier, d.mechanism, d.target) for d in record.directives] == [
        ("pass", "ip4", "192.0.2.0/24"),
        ("softfail", "a", "mail.example.com"),
        ("fail", "mx", ""),
        ("neutral", "include", "_spf.example.net"),
        ("fail", "all", ""),
    ]
    assert record.directives[1].cidr4 == 28 and record.directives[2].cidr6 == 64
    assert record.redirect == "_r.example.com" and record.explanation == "x.example.com"
    assert record.unknown_modifiers == ("foo=bar",) and record.all_qualifier == "fail"


def test_ip6_networks_are_normalised() -> None:
    (directive,) = parse_spf("v=spf1 ip6:2001:DB8::1/48").directives
    assert directive.target == "2001:db8::/48"


@pytest.mark.parametrize(
    "text",
    [
        "v=spf1 ip4:300.1.1.1",
        "v=spf1 ip4:2001:db8::1",
        "v=spf1 ip6:192.0.2.1",
        "v=spf1 ip4:",
        "v=spf1 include:",
        "v=spf1 include",
        "v=spf1 exists",
        "v=spf1 all:example.com",
        "v=spf1 a/33",
        "v=spf1 mx//129",
        "v=spf1 a:",
        "v=spf1 fish:example.com",
        "v=spf1 +-all",
        "v=spf1 redirect=a.example redirect=b.example",
        "v=spf1 include:exa\x01mple.com",
        "v=spf1 " + " ".join(["ip4:192.0.2.1"] * 201),
        "not spf",
    ],
)
def test_syntax_errors_are_permerrors(text: str) -> None:
    with pytest.raises(SpfSyntaxError):
        parse_spf(text)


def test_error_messages_do_not_carry_control_characters() -> None:
    with pytest.raises(SpfSyntaxError) as error:
        parse_spf("v=spf1 \x1b[31mevil")
    assert "\x1b" not in str(error.value)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("%{i}._spf.%{d}", "192.0.2.3._spf.example.com"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{l}.%{o}", "postmaster.example.com"),
        ("%{d1r}", "example"),
        ("a%%b%_c%-d.example.com", "a%b c%20d.example.com"),
    ],
)
def test_macros_expand(spec: str, expected: str) -> None:
    assert expand(spec, MacroContext("example.com", ip="192.0.2.3")) == expected


def test_ipv6_macro_is_dotted_nibbles() -> None:
    value = expand("%{i}", MacroContext("example.com", ip="2001:db8::1"))
    assert value.startswith("2.0.0.1.0.d.b.8") and value.endswith(".1") and len(value.split(".")) == 32


@pytest.mark.parametrize("spec", ["%{x}", "%{d0}", "50%", "%{"])
def test_bad_macros_are_syntax_errors(spec: str) -> None:
    with pytest.raises(SpfSyntaxError):
        expand(spec, MacroContext("example.com", ip="192.0.2.3"))


def test_ip_dependent_macros_are_recognised() -> None:
    assert has_ip_macros("%{i}._spf.example.com") and not has_ip_macros("%{d}._spf.example.com")


def test_expansion_is_cut_to_253_characters() -> None:
    assert len(expand("%{d}." * 60 + "x", MacroContext("example.com"))) <= 253


@given(st.text(max_size=600))
def test_any_text_parses_or_fails_with_a_syntax_error(text: str) -> None:
    with contextlib.suppress(SpfSyntaxError):
        parse_spf("v=spf1 " + text)
