"""Smoke tests of the benchmark package: deterministic data, a readable table. No timings."""

import json
from datetime import timedelta

import pytest

from bench import report
from portrait import demo as portrait
from portrait.criteria.validation import iter_conditions, parse_criteria
from qualification import demo_data as data


def test_generate_leads_gives_the_same_leads_for_the_same_seed():
    first = list(data.generate_leads(50, seed=3))
    second = list(data.generate_leads(50, seed=3))

    assert first == second
    assert [lead["external_id"] for lead in first[:3]] == ["L00000000", "L00000001", "L00000002"]


def test_generate_leads_gives_other_leads_for_another_seed():
    assert list(data.generate_leads(20, seed=3)) != list(data.generate_leads(20, seed=4))


def test_a_slice_of_the_stream_equals_the_same_leads_of_a_longer_run():
    whole = list(data.generate_leads(30, seed=5))

    assert list(data.generate_leads(10, seed=5, start=20)) == whole[20:]


def test_changed_lead_is_newer_and_deterministic():
    lead = next(data.generate_leads(1, seed=9))

    changed = data.changed(lead, seed=9)

    assert changed == data.changed(lead, seed=9)
    assert changed["updated_at"] == lead["updated_at"] + timedelta(days=1)
    assert changed["external_id"] == lead["external_id"]
    assert lead["attributes"] is not changed["attributes"]


def test_to_json_serialises_decimals_and_times():
    lead = next(lead for lead in data.generate_leads(100) if lead["annual_revenue"] is not None)

    body = json.loads(json.dumps(data.to_json(lead)))

    assert body["annual_revenue"] == str(lead["annual_revenue"])
    assert body["updated_at"] == lead["updated_at"].isoformat()


def test_benchmark_portrait_has_8_segments_3_exclusions_and_about_40_conditions():
    assert len(portrait.SEGMENTS) == 8
    assert len(portrait.EXCLUSIONS) == 3
    conditions = [
        condition
        for item in portrait.SEGMENTS + portrait.EXCLUSIONS
        for condition in iter_conditions(parse_criteria(item["criteria"]))
    ]
    assert len(conditions) == 39


def test_row_ratios_read_the_same_way_for_rates_and_durations():
    duration = report.Row("s1", "run", "s", measured=12.0, limit=10.0, naive=600.0)
    rate = report.Row(
        "s2", "insert", "leads/s", measured=25.0, limit=100.0, naive=5.0, higher_is_better=True
    )

    assert duration.ratio_vs_limit == 1.2
    assert duration.speedup_vs_naive == 50.0
    assert rate.ratio_vs_limit == 4.0
    assert rate.speedup_vs_naive == 5.0


def test_format_table_aligns_columns_and_lists_notes():
    rows = [
        report.Row(
            "reevaluation",
            "end to end",
            "s",
            measured=12.0,
            limit=10.0,
            naive=600.0,
            target="≤1.2× limit",
            passed=True,
            note="naive extrapolated from 2000 leads",
        ),
        report.Row("reads", "lead list p99", "ms", measured=None),
    ]

    table = report.format_table(rows)
    lines = table.splitlines()

    assert lines[0].startswith("scenario")
    assert len({len(line) for line in lines[:2]}) == 1
    assert "12.0" in lines[2]
    assert "1.20×" in lines[2]
    assert "50.00×" in lines[2]
    assert "PASS" in lines[2]
    assert lines[3].split("|")[2].strip() == "-"
    assert lines[-1] == "[reevaluation] end to end: naive extrapolated from 2000 leads"


def test_write_json_stores_rows_with_their_ratios(tmp_path):
    rows = [report.Row("sync", "insert", "leads/s", 50.0, limit=100.0, higher_is_better=True)]

    path = report.write_json(rows, settings={"quick": True}, directory=tmp_path)

    document = json.loads(path.read_text())
    assert document["settings"] == {"quick": True}
    assert document["rows"][0]["ratio_vs_limit"] == 2.0
    assert document["rows"][0]["measured"] == 50.0


def test_a_profile_names_where_the_time_went_and_is_written_as_html(tmp_path):
    from bench.profiling import profile_call

    def slow_square_sums():
        return sum(sum(i * i for i in range(20_000)) for _ in range(40))

    profiled = profile_call("squares", slow_square_sums, directory=tmp_path)

    assert profiled.html.parent == tmp_path
    assert profiled.html.name.endswith("-squares.html")
    assert "slow_square_sums" in profiled.html.read_text(encoding="utf-8")
    assert "slow_square_sums" in profiled.text


def test_interleaving_sends_each_body_to_both_and_alternates_which_goes_first():
    from bench.compare import interleaved

    sent = []
    pushes = [lambda body: sent.append(("a", body)), lambda body: sent.append(("b", body))]

    seconds = interleaved(pushes, [b"1", b"2", b"3"])

    assert sent == [("a", b"1"), ("b", b"1"), ("b", b"2"), ("a", b"2"), ("a", b"3"), ("b", b"3")]
    assert [len(times) for times in seconds] == [3, 3]


def test_compared_timings_give_leads_per_second_and_the_fastest_tenth():
    from bench.compare import Timings

    timings = Timings([0.1] * 9 + [1.0], batch=1000)

    assert timings.leads_per_second == pytest.approx(10_000 / 1.9)
    assert "fastest tenth  100.0 ms" in timings.line("inserts")
    assert "mean  190.0 ms" in timings.line("inserts")
