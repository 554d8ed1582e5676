"""The reason classifier: the providers' documented replies, listings in replies, the MTA's category, codes."""

from __future__ import annotations

import pytest

from ipdash.domain.bounce_reasons import ReasonClassifier, normalise_reply
from ipdash.sources.mta.reader import classifier
from ipdash.sources.reference_data import load_package_json

REPLIES = [
    (
        "outlook.com",
        "550 5.7.1 Unfortunately, messages from [198.51.100.1] weren't sent. Please contact your "
        "Internet service provider since part of their network is on our block list (S3150).",
        "outlook-s3150",
        "ip-reputation",
    ),
    (
        "other",
        "550 5.7.1 … part of their network is on our block list (AS3150) [x.eop-nam12.prod.protection."
        "outlook.com]",
        "outlook-s3150",
        "ip-reputation",
    ),  # a Microsoft 365 tenant on its own domain
    (
        "outlook.com",
        "550 5.7.511 Access denied, banned sender[198.51.100.1]. To request removal from this list "
        "please forward this message to delist@messaging.microsoft.com.",
        "outlook-5.7.511",
        "ip-reputation",
    ),
    (
        "outlook.com",
        "451 4.7.650 The mail server [198.51.100.1] has been temporarily rate limited due to IP "
        "reputation. For e-mail delivery information, see https://aka.ms/postmaster (S775)",
        "outlook-4.7.650",
        "rate-limited",
    ),
    (
        "gmail.com",
        "421-4.7.28 [198.51.100.1] Our system has detected an unusual rate of unsolicited mail "
        "originating from your IP address. To protect our users from spam, mail sent from your IP address has "
        "been temporarily rate limited. - gsmtp",
        "gmail-4.7.28",
        "rate-limited",
    ),
    (
        "gmail.com",
        "550-5.7.1 [198.51.100.1] Our system has detected an unusual rate of unsolicited mail "
        "originating from your IP address. To protect our users from spam, mail sent from your IP address has "
        "been blocked. - gsmtp",
        "gmail-5.7.1-unsolicited",
        "ip-reputation",
    ),
    (
        "gmail.com",
        "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC "
        "policy. - gsmtp",
        "gmail-5.7.26",
        "authentication",
    ),
    (
        "yahoo.com",
        "421 4.7.0 [TSS04] Messages from 198.51.100.1 temporarily deferred due to unexpected volume "
        "or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
        "yahoo-tss04",
        "rate-limited",
    ),
    (
        "yahoo.com",
        "553 5.7.2 [TSS09] All messages from 198.51.100.1 will be permanently deferred; Retrying "
        "will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
        "yahoo-tss09",
        "ip-reputation",
    ),
    (
        "other",
        "554 5.7.1 Service unavailable; Client host [198.51.100.1] blocked using zen.spamhaus.org",
        "listing-spamhaus",
        "blocklisted",
    ),
    (
        "other",
        "554 Your access to this mail system has been rejected due to the sending MTA's poor "
        "reputation. If you believe that this failure is in error, please contact the intended recipient via "
        "alternate means. (b.barracudacentral.org)",
        "listing-barracuda",
        "blocklisted",
    ),
    (
        "other",
        "550 5.1.1 <a@example.net>: Recipient address rejected: User unknown",
        "generic-invalid-recipient",
        "invalid-recipient",
    ),
    (
        "other",
        "452 4.2.2 The email account that you tried to reach is over quota",
        "generic-mailbox-full",
        "mailbox-full",
    ),
    ("other", "550 5.7.0 Local policy violation", "generic-policy", "policy"),
    ("other", "421 4.4.2 Connection dropped", "generic-temporary", "throttled"),
    ("other", "something else entirely", "generic-other", "other"),
]


@pytest.mark.parametrize(("provider", "reply", "rule", "reason_class"), REPLIES)
def test_documented_replies_are_classified(provider: str, reply: str, rule: str, reason_class: str) -> None:
    found = classifier().classify(normalise_reply(reply), provider)
    assert (found.rule_id, found.reason_class.name) == (rule, reason_class)


def test_gmail_only_rules_do_not_fire_for_other_providers() -> None:
    found = classifier().classify("550 5.7.26 unauthenticated mail refused", "other")
    assert found.rule_id == "generic-policy"


def test_the_mtas_own_category_comes_before_the_generic_codes() -> None:
    kumo = classifier().classify("554 5.7.9 Message not accepted", "yahoo.com", "kumomta", "InvalidRecipient")
    assert kumo.reason_class.name == "invalid-recipient"
    pmta = classifier().classify("550 5.0.0 refused", "other", "powermta", "policy-related")
    assert (pmta.reason_class.name, pmta.blocking) == ("policy", True)
    unknown = classifier().classify("550 5.0.0 refused", "other", "powermta", "made-up")
    assert unknown.rule_id == "generic-other"


def test_provider_texts_win_over_the_mtas_category() -> None:
    found = classifier().classify(
        "550 5.7.1 … on our block list (S3150)", "outlook.com", "kumomta", "PolicyRelated"
    )
    assert found.rule_id == "outlook-s3150"


def test_blocking_classes_and_severities() -> None:
    classes = classifier().classes
    assert {name for name, c in classes.items() if c.blocking} >= {
        "ip-reputation",
        "blocklisted",
        "rate-limited",
    }
    assert classes["invalid-recipient"].blocking is False
    assert classes["ip-reputation"].severity == "critical"


def test_every_rule_names_its_source() -> None:
    data = load_package_json("bounce_reasons.json")
    for rule in data["rules"] + data["generic"]:
        assert rule["source"].strip(), rule["id"]
        assert rule["class"] in data["classes"], rule["id"]
    assert data["mta_categories"]["source"].startswith("KumoMTA")


def test_a_broken_data_file_is_refused() -> None:
    data = dict(load_package_json("bounce_reasons.json"))
    with pytest.raises(ValueError, match="bounce_reasons"):
        ReasonClassifier(
            {**data, "rules": [{"id": "x", "class": "nope", "pattern": "", "label": "", "source": ""}]}
        )
    with pytest.raises(ValueError, match="match everything"):
        ReasonClassifier({**data, "generic": data["generic"][:-1]})
    with pytest.raises(ValueError, match="bounce_reasons"):
        ReasonClassifier({**data, "rules": [{**data["rules"][0], "pattern": "(unclosed"}]})


def test_normalise_masks_what_varies_per_message() -> None:
    one = normalise_reply(
        "550 5.7.1 messages from [198.51.100.1] weren't sent [DB3EUR04FT007.eop-eur04.prod."
        "protection.outlook.com] <a@example.com> MxId=11BD5B61254CB1FC"
    )
    two = normalise_reply(
        "550 5.7.1 messages from [203.0.113.9] weren't sent [AM5EUR02FT008.eop-eur02.prod."
        "protection.outlook.com] <b@example.org> MxId=22CC5B61254CB1FD"
    )
    assert one == two
    assert "198.51" not in one and "example.com" not in one


def test_normalise_removes_escapes_and_cuts_huge_replies() -> None:
    text = normalise_reply("550 \x1b[2J evil\u202e " + "x" * 100_000)
    assert "\x1b" not in text and "\u202e" not in text
    assert len(text) <= 240
