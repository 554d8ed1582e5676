"""The snapshot codec (``domain.snapshot_codec``): decode(encode(x)) == x for the analysis of the
sample data and for generated values of every type the analysis holds (unknowns with their reasons,
None, dates, times with offsets, enums, floats with nan and ±inf, recursive SPF chains …); and a
payload that is not a good encoding (truncated, retyped, out of range, hostile) raises CodecError,
never anything else."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import typing
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from ipdash.domain.analysis import Analysis, IpAnalysis
from ipdash.domain.auth.spf_walk import SpfNode
from ipdash.domain.metrics import IpMetrics, Totals, Window
from ipdash.domain.snapshot_codec import CodecError, analysis_codec, codec_for

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
DATES = st.dates(date(1990, 1, 1), date(2100, 1, 1))
ZONES = (
    st.none()
    | st.just(UTC)
    | st.builds(timezone, st.integers(-14 * 60, 14 * 60).map(lambda m: timedelta(minutes=m)))
)
SERIES = st.lists(st.tuples(DATES, st.from_type(Totals)), max_size=3).map(tuple)

st.register_type_strategy(datetime, st.datetimes(timezones=ZONES))
st.register_type_strategy(str, TEXT)
st.register_type_strategy(int, st.integers(-(2**62), 2**62))
st.register_type_strategy(
    IpMetrics,
    st.builds(
        IpMetrics,
        daily=SERIES,
        daily_by_provider=st.dictionaries(TEXT, SERIES, max_size=2),
        by_provider=st.dictionaries(TEXT, st.from_type(Totals), max_size=2),
        previous_by_provider=st.dictionaries(TEXT, st.from_type(Totals), max_size=2),
    ),
)
st.register_type_strategy(Analysis, st.builds(Analysis, rates=st.none()))  # a cache, not stored
st.register_type_strategy(
    SpfNode,
    st.recursive(
        st.builds(SpfNode, children=st.just([])),
        lambda inner: st.builds(SpfNode, children=st.lists(inner, max_size=2)),
        max_leaves=4,
    ),
)


def has_nan(value: Any) -> bool:
    return "nan" in orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def round_trip(codec: Any, value: Any) -> Any:
    encoded = codec.encode(value)
    try:
        text = orjson.dumps(encoded)
    except orjson.JSONEncodeError:  # texts orjson refuses: never stored (write_view says False)
        reject()
    decoded = codec.decode(orjson.loads(text))
    assert codec.encode(decoded) == encoded  # the same encoding, nan included
    if not has_nan(encoded):
        assert decoded == value
    return decoded


def reachable_types() -> list[type]:
    """Every dataclass an Analysis holds (but the analysis's cache, ``rates``: not stored)."""
    found: list[type] = []

    def walk(tp: Any) -> None:
        for arg in typing.get_args(tp):
            walk(arg)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp) and tp not in found:
            found.append(tp)
            hints = typing.get_type_hints(tp)
            for field in dataclasses.fields(tp):
                if field.compare:
                    walk(hints[field.name])

    walk(Analysis)
    return found


def test_the_sample_analysis_round_trips_with_its_series() -> None:
    from ipdash.domain.analysis import analyse
    from ipdash.domain.config import Config
    from ipdash.domain.series import LazySeries
    from ipdash.sources.loader import load_dataset, plan_from_inputs
    from ipdash.sources.reference_data import threshold_presets

    plan = plan_from_inputs([], Config(), False, None)
    analysis = analyse(load_dataset(plan), plan.config, threshold_presets())
    assert len(analysis.ips) >= 5 and any(a.warmup for a in analysis.ips.values())
    decoded = round_trip(analysis_codec(), analysis)
    assert decoded == analysis
    some = next(iter(decoded.ips.values()))
    assert type(some.metrics.daily) is LazySeries and len(some.metrics.daily) > 0
    assert decoded.rates is None  # the analysis's cache is not stored


def test_without_records_only_the_series_have_no_days() -> None:
    from ipdash.domain.analysis import analyse
    from ipdash.domain.config import Config
    from ipdash.sources.loader import load_dataset, plan_from_inputs
    from ipdash.sources.reference_data import threshold_presets

    plan = plan_from_inputs([], Config(), False, None)
    analysis = analyse(load_dataset(plan), plan.config, threshold_presets())
    codec = analysis_codec(records=False)
    decoded = codec.decode(orjson.loads(orjson.dumps(codec.encode(analysis))))

    def no_series(found: Analysis) -> dict[str, IpAnalysis]:
        return {
            ip: dataclasses.replace(a, metrics=dataclasses.replace(a.metrics, daily=(), daily_by_provider={}))
            for ip, a in found.ips.items()
        }

    assert no_series(decoded) == no_series(analysis)
    assert decoded.feed == analysis.feed
    assert all(len(a.metrics.daily) == 0 for a in decoded.ips.values())


@pytest.mark.parametrize("tp", reachable_types(), ids=lambda tp: tp.__name__)
@settings(
    max_examples=40,
    deadline=None,
    # An Analysis drawn whole is big by nature; the same examples every run, so CI cannot draw a new failure.
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_generated_values_of_every_type_round_trip(tp: type, data: st.DataObject) -> None:
    value = data.draw(st.from_type(tp))
    round_trip(codec_for(tp), value)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.none(), max_size=5))
def test_floats_keep_nan_and_infinities(values: list[float | None]) -> None:
    from ipdash.domain.score import Component

    codec = codec_for(tuple[Component, ...])
    items = tuple(Component("c", 0.5, value, "d", 0.0 if value is None else value, False) for value in values)
    decoded = codec.decode(orjson.loads(orjson.dumps(codec.encode(items))))
    for got, want in zip(decoded, items, strict=True):
        assert (got.subscore is None) == (want.subscore is None)
        if want.subscore is not None:
            assert math.isnan(want.subscore) == math.isnan(got.subscore)
            assert math.isnan(want.subscore) or got.subscore == want.subscore


def test_bool_int_and_text_stay_apart() -> None:
    codec = codec_for(Totals)
    with pytest.raises(CodecError):
        codec.encode(Totals(sent=True))  # type: ignore[arg-type]
    with pytest.raises(CodecError):
        codec.decode(
            {
                "value": [True, None, None, None, None, None, None, None, None],
                "series": [],
                "strings": [],
                "tables": [],
            }
        )
    with pytest.raises(CodecError):
        codec.decode(
            {
                "value": ["1", None, None, None, None, None, None, None, None],
                "series": [],
                "strings": [],
                "tables": [],
            }
        )


def good_payload() -> dict[str, Any]:
    from ipdash.domain.analysis import analyse
    from ipdash.domain.config import Config
    from ipdash.sources.loader import load_dataset, plan_from_inputs
    from ipdash.sources.reference_data import threshold_presets

    plan = plan_from_inputs([], Config(), False, None)
    analysis = analyse(load_dataset(plan), plan.config, threshold_presets())
    found: dict[str, Any] = orjson.loads(orjson.dumps(analysis_codec().encode(analysis)))
    return found


def mutations(payload: dict[str, Any]) -> list[Any]:
    """Damaged copies of a good payload: each must be refused with CodecError."""
    import copy

    def changed(edit: Any) -> Any:
        found = copy.deepcopy(payload)
        edit(found)
        return found

    first_ip = next(iter(payload["value"][1]))
    return [
        None,
        [],
        {},
        "text",
        {**payload, "extra": 1},
        {k: v for k, v in payload.items() if k != "strings"},
        changed(lambda p: p.update(strings=[1, 2])),
        changed(lambda p: p["value"].pop()),  # an Analysis one field short
        changed(lambda p: p["value"].__setitem__(0, ["2025-13-01", "2025-01-01"])),  # not a date
        changed(lambda p: p["value"].__setitem__(0, 7)),
        changed(lambda p: p["value"][1].__setitem__(first_ip, "x")),
        changed(lambda p: p["value"][1][first_ip].__setitem__(0, 10**6)),  # a text number out of the table
        changed(lambda p: p["value"][1][first_ip].__setitem__(0, -1)),
        changed(lambda p: p["value"][1][first_ip][5].__setitem__(1, "excellent")),  # not a Band
        changed(lambda p: p["value"][1][first_ip][2].__setitem__(2, [True] * 9)),  # bools as counts
        changed(
            lambda p: p["value"][1][first_ip][2].__setitem__(5, {"series": 99, "ip": "x", "provider": None})
        ),
        changed(
            lambda p: p["value"][1][first_ip][2].__setitem__(5, {"series": 0, "ip": 5, "provider": None})
        ),
        changed(lambda p: p["series"][0]["columns"]["sent"].__setitem__(0, "many")),
        changed(lambda p: p["series"][0]["columns"]["sent"].__setitem__(0, 2**70)),
        changed(lambda p: p["series"][0]["columns"]["day"].pop()),
        changed(lambda p: p["series"][0]["columns"].pop("ip")),
        changed(lambda p: p["series"][0].__setitem__("end", "yesterday")),
        changed(lambda p: p["value"][2].__setitem__(0, {"float": "nan", "more": 1})),
    ]


def test_damaged_payloads_raise_codec_error_only() -> None:
    payload = good_payload()
    codec = analysis_codec()
    assert codec.decode(payload) is not None
    for n, damaged in enumerate(mutations(payload)):
        with pytest.raises(CodecError):
            codec.decode(damaged)
            pytest.fail(f"mutation {n} decoded")


def test_deep_nesting_is_refused_not_a_crash() -> None:
    codec = codec_for(SpfNode)
    node: Any = ["d", "via", None, 0, "", []]
    for _ in range(5000):
        node = ["d", "via", None, 0, "", [node]]
    with pytest.raises(CodecError):
        codec.decode({"value": node, "series": [], "strings": [], "tables": []})


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=30))  # fmt: skip
def test_arbitrary_json_is_refused_or_decoded_never_a_crash(value: Any) -> None:
    codec = analysis_codec()
    for payload in (value, {"value": value, "series": [], "strings": [], "tables": []}):
        with contextlib.suppress(CodecError):
            codec.decode(payload)


def test_window_round_trips_and_is_strict() -> None:
    codec = codec_for(Window)
    window = Window(date(2025, 1, 1), date(2025, 1, 7))
    assert codec.decode(orjson.loads(orjson.dumps(codec.encode(window)))) == window
    with pytest.raises(CodecError):
        codec.encode(datetime(2025, 1, 1))


# decoding builds the analysis's slotted records through their slots -------------------------------
@dataclasses.dataclass(frozen=True, slots=True)
class _Plain:
    name: str
    count: int


@dataclasses.dataclass(frozen=True, slots=True)
class _Checked:
    count: int

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("negative")


def test_slotted_records_decode_equal_through_their_slots() -> None:
    codec = codec_for(_Plain)
    decoded = codec.decode(orjson.loads(orjson.dumps(codec.encode(_Plain("a", 1)))))
    assert decoded == _Plain("a", 1) and type(decoded) is _Plain
    with pytest.raises(CodecError):
        codec.decode({"value": ["a", "1"], "series": [], "strings": [], "tables": []})
    with pytest.raises(CodecError):
        codec.decode({"value": ["a"], "series": [], "strings": [], "tables": []})


def test_records_that_check_themselves_are_still_checked() -> None:
    codec = codec_for(_Checked)
    assert codec.decode(codec.encode(_Checked(3))) == _Checked(3)
    with pytest.raises(CodecError):
        codec.decode({"value": [-1], "series": [], "strings": [], "tables": []})


def test_the_analysis_records_take_the_slot_path() -> None:
    from ipdash.domain import snapshot_codec
    from ipdash.domain.thresholds import Verdict
    from ipdash.domain.warmup.results import DayVolume

    def slotted(cls: type) -> bool:
        return snapshot_codec._twin(cls) is not None

    assert all(slotted(cls) for cls in (Verdict, Totals, IpAnalysis, IpMetrics, Window, _Plain))
    # Built through their __init__: one that checks its fields, one of its own, one not slotted.
    assert not slotted(DayVolume) and not slotted(_Checked)

    @dataclasses.dataclass(frozen=True, slots=True, init=False)
    class OwnInit:
        count: int

        def __init__(self, count: int) -> None:
            object.__setattr__(self, "count", abs(count))

    assert (
        not slotted(OwnInit)
        and codec_for(OwnInit).decode({"value": [-2], "series": [], "strings": [], "tables": []}).count == 2
    )
    assert not slotted(dataclasses.dataclass(frozen=True)(type("Loose", (), {"__annotations__": {"n": int}})))


# records built as their twin, tables decoded a column at a time (domain.snapshot_records) ----------
def test_a_record_built_as_its_twin_is_one_built_normally_and_stays_frozen() -> None:
    from ipdash.domain.thresholds import Status, Verdict

    made = Verdict("192.0.2.1", "ip", "bounce_rate", Status.WARN, 0.03, 0.02, "default", "csv", 500)
    codec = codec_for(Verdict)
    decoded = codec.decode(orjson.loads(orjson.dumps(codec.encode(made))))
    assert type(decoded) is Verdict and decoded == made and hash(decoded) == hash(made)
    assert all(getattr(decoded, name) == getattr(made, name) for name in Verdict.__slots__)
    with pytest.raises(dataclasses.FrozenInstanceError):
        decoded.sent = 1  # type: ignore[misc]
    assert {decoded, made} == {made} and dataclasses.replace(decoded, sent=1) == dataclasses.replace(
        made, sent=1
    )


def verdict_table() -> tuple[Any, dict[str, Any]]:
    from ipdash.domain.thresholds import Status, Verdict

    verdicts = tuple(
        Verdict("192.0.2.1", scope, "bounce_rate", status, value, 0.02, "a default preset", "csv", sent,
                since=date(2025, 1, 2) if status is Status.WARN else None)
        for scope, status, value, sent in (("ip", Status.WARN, 0.03, 10), ("gmail.com", Status.OK, float("nan"), 0),
                                           ("yahoo.com", Status.OK, None, 5))
    )  # fmt: skip
    codec = codec_for(tuple[Verdict, ...])
    return codec, orjson.loads(orjson.dumps(codec.encode(verdicts)))


def test_a_table_of_records_round_trips_column_by_column() -> None:
    codec, payload = verdict_table()
    assert payload["value"] == {"rows": [0, 0, 3]} and payload["tables"][0]["n"] == 3  # stored by column
    decoded = codec.decode(payload)
    assert codec.encode(decoded) == payload and math.isnan(decoded[1].value)
    assert decoded[0].since == date(2025, 1, 2) and decoded[2].since is None and decoded[2].value is None


def test_every_array_of_flat_records_is_one_table_of_their_type() -> None:
    from ipdash.domain.thresholds import Status, Verdict

    def verdicts(ip: str, count: int) -> tuple[Verdict, ...]:
        return tuple(
            Verdict(ip, f"provider{n}.example", "bounce_rate", Status.OK, n / 100, 0.02, "default", "csv", n)
            for n in range(count)
        )

    counts = [0, 5, 6, 7, 5]
    value = {f"192.0.2.{n}": verdicts(f"192.0.2.{n}", count) for n, count in enumerate(counts)}
    codec = codec_for(dict[str, tuple[Verdict, ...]])
    payload = orjson.loads(orjson.dumps(codec.encode(value)))
    (table,) = payload["tables"]
    assert table["type"] == "ipdash.domain.thresholds.Verdict" and table["n"] == sum(counts)
    assert payload["value"]["192.0.2.0"] == [] and payload["value"]["192.0.2.2"] == {"rows": [0, 5, 6]}
    assert table["columns"][0] == {"runs": [[f"192.0.2.{n}" for n in range(1, 5)], counts[1:]]}
    decoded = codec.decode(payload)
    assert decoded == value and all(type(one) is tuple for one in decoded.values())
    assert codec.encode(decoded) == codec.encode(value)


def test_a_column_of_runs_round_trips_and_a_damaged_one_is_refused() -> None:
    from ipdash.domain.snapshot_records import stored_column

    values = (1,) * 6 + (True,) * 4 + (1.0,) * 4 + (1,) * 10 + (2,) * 8
    assert stored_column(values) == {"runs": [[1, True, 1.0, 1, 2], [6, 4, 4, 10, 8]]}  # types kept apart
    assert stored_column((1, 2, 3, 4)) == [1, 2, 3, 4] and stored_column((5, 5)) == {"same": 5}
    codec, payload = verdict_table()
    columns = payload["tables"][0]["columns"]
    columns[8] = {"runs": [[10, 0], [1, 2]]}  # sent
    assert [verdict.sent for verdict in codec.decode(payload)] == [10, 0, 0]
    for runs in ([[10, 0], [1, 1]], [[10, 0], [1, 3]], [[10, 0], [0, 3]], [[10, 0], [True, 2]], [[10], [1, 2]],
                 [[10, True], [1, 2]], [[10, 0]], [[], []], "x", [[10, 0], [-1, 4]]):  # fmt: skip
        columns[8] = {"runs": runs}
        with pytest.raises(CodecError):
            codec.decode(payload)
            pytest.fail(f"runs {runs} decoded")


def test_a_damaged_table_of_records_is_refused() -> None:
    import copy

    codec, payload = verdict_table()
    table = payload["tables"][0]
    columns = table["columns"]
    assert codec.decode(payload) is not None

    def changed(column: int, new: Any) -> dict[str, Any]:
        found = copy.deepcopy(payload)
        found["tables"][0]["columns"][column] = new
        return found

    def with_table(**changes: Any) -> dict[str, Any]:
        return {**payload, "tables": [{**table, **changes}]}

    damaged = [
        changed(3, ["warn", "ok", "excellent"]),  # not a Status
        changed(3, ["warn", "ok", 1]),
        changed(8, [10, True, 5]),  # a bool as a count
        changed(8, {"same": 1.5}),
        changed(4, [0.03, "x", None]),
        changed(4, [0.03, {"float": "much"}, None]),
        changed(1, ["ip", 7, "yahoo.com"]),  # a long text's number out of the table
        changed(1, ["ip", -1, "yahoo.com"]),
        changed(10, ["2025-13-01", None, None]),  # not a date
        changed(10, [20250102, None, None]),
        changed(10, ["2025-01-02", None]),  # one short
        changed(2, {"same": "bounce_rate", "more": 1}),
        changed(2, "bounce_rate"),
        with_table(columns=columns[:-1]),
        with_table(x=0),
        with_table(n=True),
        with_table(type="ipdash.domain.score.Gate"),  # another type's table
        # a few bytes asking for a trillion records: refused, not made
        with_table(n=10**12, columns=[{"same": c[0]} if type(c) is list else c for c in columns]),
        # the arrays' references: outside the table, more than it holds, not all of it, no such table
        {**payload, "value": {"rows": [0, 1, 3]}},
        {**payload, "value": {"rows": [0, 0, 0]}},
        {**payload, "value": {"rows": [0, -1, 3]}},
        {**payload, "value": {"rows": [0, 0, 2]}},
        {**payload, "value": {"rows": [1, 0, 3]}},
        {**payload, "value": {"rows": [0, 0, True]}},
        {**payload, "value": {"rows": [0, 0, 3], "n": 3}},
        {**payload, "tables": [table, table]},
        {**payload, "tables": []},
        {k: v for k, v in payload.items() if k != "tables"},  # an older payload, without tables
    ]  # fmt: skip
    for n, value in enumerate(damaged):
        with pytest.raises(CodecError):
            codec.decode(value)
            pytest.fail(f"damage {n} decoded")
