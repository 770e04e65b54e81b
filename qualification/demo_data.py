"""Deterministic lead data: the same seed gives the same leads on every machine.

Pure code (no Django): one generator feeds the demo data (``load_demo_data``) and
the benchmarks (the bulk ``COPY`` of their set-up and the JSON bodies of the sync).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

COUNTRIES = ["UA", "PL", "DE", "CZ", "SK", "LT", "RO", "US", "GB", "FR", "RU", "BY"]
COUNTRY_WEIGHTS = [22, 20, 12, 7, 4, 4, 5, 9, 6, 5, 1, 1]
REGIONS = ["Kyiv", "Lviv", "Mazowieckie", "Bavaria", "Prague", "Vilnius", "Texas", "London"]
INDUSTRIES = [
    "62.01", "62.02", "62.09", "63.11", "58.29", "58.11", "70.22", "70.21",
    "72.19", "46.51", "26.20", "85.59", "64.19",
]  # fmt: skip
CHANNELS = ["web", "referral", "event", "cold_call", "partner", "ads"]
SOURCES = ["erp", "web-form", "marketing"]
STACK = ["python", "java", "go", "php", "dotnet", "js", "rust", "sap", "1c"]
LANGUAGES = ["uk", "pl", "en", "de", "ru"]
TIERS = ["gold", "silver", "bronze", "none"]
CLOUDS = ["aws", "gcp", "azure", "on-prem"]
SYLLABLES = ["so", "ft", "lab", "nova", "tek", "data", "cloud", "sys", "byte", "pro", "gen", "ix"]
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def _company_name(rng: random.Random, index: int) -> str:
    stem = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    if rng.random() < 0.005:
        return f"Rival {stem}"
    return f"{stem} {rng.choice(['LLC', 'Sp. z o.o.', 'GmbH', 'TOV', 'Inc.', 's.r.o.'])} {index}"


def _attributes(rng: random.Random) -> dict:
    attributes: dict = {}
    if rng.random() < 0.9:
        attributes["stack"] = rng.sample(STACK, rng.randint(1, 4))
    if rng.random() < 0.8:
        attributes["certified"] = rng.random() < 0.3
    roll = rng.random()
    if roll < 0.85:
        attributes["tier"] = rng.choice(TIERS)
    elif roll < 0.87:
        attributes["tier"] = None  # an explicit null is a missing value too
    elif roll < 0.88:
        attributes["tier"] = 3  # a value of the wrong type matches nothing
    if rng.random() < 0.9:
        attributes["founded"] = rng.randint(1990, 2024)
    if rng.random() < 0.85:
        attributes["languages"] = rng.sample(LANGUAGES, rng.randint(1, 3))
    if rng.random() < 0.8:
        attributes["cloud"] = rng.choice(CLOUDS)
    if rng.random() < 0.01:
        attributes["competitor"] = True
    return attributes


def generate_leads(count: int, *, seed: int = 7, start: int = 0) -> Iterator[dict]:
    """Yield ``count`` lead dicts (API field names); index ``start`` onward of the seed's stream.

    Each lead has its own ``Random`` derived from (seed, index), so a slice of
    the stream is the same whatever the count asked for.
    """
    for index in range(start, start + count):
        rng = random.Random(seed * 1_000_003 + index)
        employees = None if rng.random() < 0.05 else int(min(50_000, rng.lognormvariate(3.5, 1.6)))
        revenue = None
        if employees is not None and rng.random() > 0.08:
            revenue = Decimal(int(employees * rng.uniform(5_000, 120_000))).quantize(
                Decimal("0.01")
            )
        country = None if rng.random() < 0.02 else rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        yield {
            "external_id": f"L{index:08d}",
            "source": SOURCES[index % len(SOURCES)],
            "company_name": _company_name(rng, index),
            "country": country,
            "region": None if rng.random() < 0.3 else rng.choice(REGIONS),
            "industry": None if rng.random() < 0.03 else rng.choice(INDUSTRIES),
            "employees": employees,
            "annual_revenue": revenue,
            "channel": None if rng.random() < 0.04 else rng.choice(CHANNELS),
            "email": f"info@company{index}.example.com",
            "phone": None,
            "website": f"https://company{index}.example.com",
            "attributes": _attributes(rng),
            "updated_at": EPOCH + timedelta(seconds=index),
        }


def changed(lead: dict, *, seed: int = 7) -> dict:
    """The same lead as changed at the source a day later: other employees and tier."""
    rng = random.Random(f"{seed}-{lead['external_id']}")
    result = dict(lead, attributes=dict(lead["attributes"]))
    result["employees"] = rng.randint(1, 5000)
    result["attributes"]["tier"] = rng.choice(TIERS)
    result["attributes"]["revision"] = 2  # changed even where the draws repeat the old values
    result["updated_at"] = lead["updated_at"] + timedelta(days=1)
    return result


def to_json(lead: dict) -> dict:
    """A lead ready for ``json.dumps``: decimals as strings, times in ISO 8601."""
    result = dict(lead)
    if result["annual_revenue"] is not None:
        result["annual_revenue"] = str(result["annual_revenue"])
    result["updated_at"] = result["updated_at"].isoformat()
    return result
