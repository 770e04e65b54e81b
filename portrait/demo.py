"""The demo portrait: 8 segments and 3 exclusions, 39 conditions, 11 of them on attributes.

A realistic portrait of an IT services company selling to software houses and
integrators in Central and Eastern Europe; the demo data and the benchmarks use it.
"""

SEGMENTS = [
    {
        "name": "Software houses in Ukraine and Poland",
        "priority": 10,
        "capacity": 4200,
        "average_deal_value": "36000.00",
        "criteria": {
            "all": [
                {"field": "country", "op": "in", "value": ["UA", "PL"]},
                {"field": "industry", "op": "startswith", "value": "62"},
                {"field": "employees", "op": "between", "value": [50, 1000]},
                {"field": "attributes.stack", "op": "contains", "value": "python"},
                {"not": {"field": "annual_revenue", "op": "lt", "value": 200000}},
            ]
        },
    },
    {
        "name": "Enterprise IT",
        "priority": 20,
        "capacity": 600,
        "average_deal_value": "240000.00",
        "criteria": {
            "all": [
                {"field": "employees", "op": "gte", "value": 1000},
                {"field": "annual_revenue", "op": "gte", "value": 50000000},
                {
                    "any": [
                        {"field": "industry", "op": "startswith", "value": "62"},
                        {"field": "industry", "op": "startswith", "value": "63"},
                    ]
                },
                {"field": "attributes.tier", "op": "in", "value": ["gold", "silver"]},
            ]
        },
    },
    {
        "name": "Certified integrators",
        "priority": 30,
        "capacity": 1500,
        "average_deal_value": "54000.00",
        "criteria": {
            "all": [
                {"field": "attributes.certified", "op": "eq", "value": True},
                {
                    "any": [
                        {"field": "attributes.stack", "op": "contains", "value": "sap"},
                        {"field": "attributes.stack", "op": "contains", "value": "dotnet"},
                    ]
                },
                {"field": "country", "op": "in", "value": ["DE", "PL", "CZ", "SK", "LT"]},
                {"field": "employees", "op": "gte", "value": 20},
            ]
        },
    },
    {
        "name": "Cloud-native start-ups",
        "priority": 40,
        "capacity": 9000,
        "average_deal_value": "12000.00",
        "criteria": {
            "all": [
                {"field": "attributes.founded", "op": "gte", "value": 2015},
                {"field": "employees", "op": "between", "value": [5, 200]},
                {"field": "attributes.cloud", "op": "in", "value": ["aws", "gcp"]},
                {
                    "any": [
                        {"field": "channel", "op": "eq", "value": "event"},
                        {"field": "channel", "op": "eq", "value": "referral"},
                    ]
                },
            ]
        },
    },
    {
        "name": "Publishers",
        "priority": 50,
        "capacity": 800,
        "average_deal_value": "18000.00",
        "criteria": {
            "all": [
                {"field": "industry", "op": "startswith", "value": "58"},
                {"field": "employees", "op": "gte", "value": 10},
                {"not": {"field": "country", "op": "in", "value": ["US"]}},
            ]
        },
    },
    {
        "name": "Consultancies",
        "priority": 60,
        "capacity": 2000,
        "average_deal_value": "24000.00",
        "criteria": {
            "all": [
                {"field": "industry", "op": "in", "value": ["70.22", "70.21"]},
                {"field": "annual_revenue", "op": "between", "value": [1000000, 100000000]},
                {"field": "attributes.languages", "op": "contains", "value": "en"},
            ]
        },
    },
    {
        "name": "Research labs",
        "priority": 70,
        "capacity": 300,
        "average_deal_value": "60000.00",
        "criteria": {
            "all": [
                {"field": "industry", "op": "startswith", "value": "72"},
                {
                    "any": [
                        {"field": "attributes.tier", "op": "eq", "value": "gold"},
                        {"field": "attributes.certified", "op": "eq", "value": True},
                    ]
                },
            ]
        },
    },
    {
        "name": "Mid-market in our region",
        "priority": 100,
        "capacity": 25000,
        "average_deal_value": "9000.00",
        "criteria": {
            "all": [
                {"field": "employees", "op": "between", "value": [50, 5000]},
                {
                    "field": "country",
                    "op": "in",
                    "value": ["UA", "PL", "DE", "CZ", "SK", "LT", "RO"],
                },
                {"field": "channel", "op": "ne", "value": "ads"},
            ]
        },
    },
]

EXCLUSIONS = [
    {
        "name": "Markets we do not serve",
        "criteria": {
            "any": [
                {"field": "country", "op": "in", "value": ["RU", "BY"]},
                {
                    "all": [
                        {"field": "country", "op": "is_null", "value": True},
                        {"field": "region", "op": "is_null", "value": True},
                    ]
                },
            ]
        },
    },
    {
        "name": "Competitors",
        "criteria": {
            "any": [
                {"field": "attributes.competitor", "op": "eq", "value": True},
                {"field": "company_name", "op": "icontains", "value": "rival"},
            ]
        },
    },
    {
        "name": "Too small to serve",
        "criteria": {
            "all": [
                {"field": "employees", "op": "lt", "value": 3},
                {"not": {"field": "channel", "op": "eq", "value": "partner"}},
            ]
        },
    },
]

PORTRAIT = {
    "name": "Benchmark portrait: IT services in Central and Eastern Europe",
    "description": "Who we serve and who we do not; used by the benchmark and the demo.",
    "segments": SEGMENTS,
    "exclusions": EXCLUSIONS,
}
