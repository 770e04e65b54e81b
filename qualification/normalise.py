"""Pure normalisation of lead data: duplicate keys, countries, free-mail domains.

No ORM here: the sync validator and ``Lead.save()`` both call these functions so
that keys computed in Python and keys written in bulk are the same.
"""

import re
import unicodedata
from urllib.parse import urlsplit

# ISO 3166-1 alpha-2, officially assigned codes.
COUNTRY_CODES = frozenset(
    [
        "AD",
        "AE",
        "AF",
        "AG",
        "AI",
        "AL",
        "AM",
        "AO",
        "AQ",
        "AR",
        "AS",
        "AT",
        "AU",
        "AW",
        "AX",
        "AZ",
        "BA",
        "BB",
        "BD",
        "BE",
        "BF",
        "BG",
        "BH",
        "BI",
        "BJ",
        "BL",
        "BM",
        "BN",
        "BO",
        "BQ",
        "BR",
        "BS",
        "BT",
        "BV",
        "BW",
        "BY",
        "BZ",
        "CA",
        "CC",
        "CD",
        "CF",
        "CG",
        "CH",
        "CI",
        "CK",
        "CL",
        "CM",
        "CN",
        "CO",
        "CR",
        "CU",
        "CV",
        "CW",
        "CX",
        "CY",
        "CZ",
        "DE",
        "DJ",
        "DK",
        "DM",
        "DO",
        "DZ",
        "EC",
        "EE",
        "EG",
        "EH",
        "ER",
        "ES",
        "ET",
        "FI",
        "FJ",
        "FK",
        "FM",
        "FO",
        "FR",
        "GA",
        "GB",
        "GD",
        "GE",
        "GF",
        "GG",
        "GH",
        "GI",
        "GL",
        "GM",
        "GN",
        "GP",
        "GQ",
        "GR",
        "GS",
        "GT",
        "GU",
        "GW",
        "GY",
        "HK",
        "HM",
        "HN",
        "HR",
        "HT",
        "HU",
        "ID",
        "IE",
        "IL",
        "IM",
        "IN",
        "IO",
        "IQ",
        "IR",
        "IS",
        "IT",
        "JE",
        "JM",
        "JO",
        "JP",
        "KE",
        "KG",
        "KH",
        "KI",
        "KM",
        "KN",
        "KP",
        "KR",
        "KW",
        "KY",
        "KZ",
        "LA",
        "LB",
        "LC",
        "LI",
        "LK",
        "LR",
        "LS",
        "LT",
        "LU",
        "LV",
        "LY",
        "MA",
        "MC",
        "MD",
        "ME",
        "MF",
        "MG",
        "MH",
        "MK",
        "ML",
        "MM",
        "MN",
        "MO",
        "MP",
        "MQ",
        "MR",
        "MS",
        "MT",
        "MU",
        "MV",
        "MW",
        "MX",
        "MY",
        "MZ",
        "NA",
        "NC",
        "NE",
        "NF",
        "NG",
        "NI",
        "NL",
        "NO",
        "NP",
        "NR",
        "NU",
        "NZ",
        "OM",
        "PA",
        "PE",
        "PF",
        "PG",
        "PH",
        "PK",
        "PL",
        "PM",
        "PN",
        "PR",
        "PS",
        "PT",
        "PW",
        "PY",
        "QA",
        "RE",
        "RO",
        "RS",
        "RU",
        "RW",
        "SA",
        "SB",
        "SC",
        "SD",
        "SE",
        "SG",
        "SH",
        "SI",
        "SJ",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SR",
        "SS",
        "ST",
        "SV",
        "SX",
        "SY",
        "SZ",
        "TC",
        "TD",
        "TF",
        "TG",
        "TH",
        "TJ",
        "TK",
        "TL",
        "TM",
        "TN",
        "TO",
        "TR",
        "TT",
        "TV",
        "TW",
        "TZ",
        "UA",
        "UG",
        "UM",
        "US",
        "UY",
        "UZ",
        "VA",
        "VC",
        "VE",
        "VG",
        "VI",
        "VN",
        "VU",
        "WF",
        "WS",
        "YE",
        "YT",
        "ZA",
        "ZM",
        "ZW",
    ]
)

# Domains anyone can register an address on: sharing one says nothing about the company.
FREE_MAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "mail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "zoho.com",
        "yandex.ru",
        "yandex.ua",
        "yandex.com",
        "ya.ru",
        "mail.ru",
        "inbox.ru",
        "list.ru",
        "bk.ru",
        "rambler.ru",
        "ukr.net",
        "i.ua",
        "meta.ua",
        "wp.pl",
        "o2.pl",
        "onet.pl",
        "interia.pl",
        "op.pl",
        "tlen.pl",
        "poczta.fm",
        "seznam.cz",
        "qq.com",
        "163.com",
        "fastmail.com",
        "tutanota.com",
        "hey.com",
    ]
)

# Legal-form words dropped from company names before comparing them.
_LEGAL_FORMS = frozenset(
    [
        "llc",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "sarl",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "aps",
        "spa",
        "srl",
        "sro",
        "kft",
        "zrt",
        "sp",
        "z",
        "o",
        "oo",
        "spzoo",
        "sk",
        "pllc",
        "lp",
        "llp",
        "pte",
        "pty",
        "тов",
        "тзов",
        "пп",
        "фоп",
        "ат",
        "пат",
        "прат",
        "зат",
        "ооо",
        "оао",
        "зао",
        "пао",
        "ао",
        "ип",
    ]
)

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
# The common shape of a website, whose host ``urlsplit`` would return unchanged: checked
# first because a sync normalises every pushed website and ``urlsplit`` costs more.
# (A later "://", in a query say, sends the text down the general path, which reads it.)
_PLAIN_WEBSITE = re.compile(
    r"(?:https?://)?([a-z0-9.-]+)(?::[0-9]{1,5})?(?:[/?#](?!.*://).*)?", re.DOTALL
)


def country_code(value: str) -> str:
    return value.strip().upper()


def website_domain(website: str | None) -> str | None:
    """``https://WWW.Example.com:443/about`` → ``example.com``; None when there is no host."""
    if not website:
        return None
    text = website.strip().lower()
    plain = _PLAIN_WEBSITE.fullmatch(text)
    host = plain.group(1) if plain is not None else _host_by_urlsplit(text)
    if not host:
        return None
    host = host.rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return host or None


def _host_by_urlsplit(text: str) -> str | None:
    """The host of any website text, scheme or not: the general path of ``website_domain``."""
    if "://" not in text:
        text = f"http://{text}"
    try:
        return urlsplit(text).hostname
    except ValueError:
        return None


def email_domain(email: str | None) -> str | None:
    """The company domain of an address; None for free-mail providers."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower().rstrip(".")
    if not domain or domain in FREE_MAIL_DOMAINS:
        return None
    return domain


def name_key(company_name: str | None) -> str | None:
    """A comparable company name: case-folded, accents, punctuation and legal forms dropped."""
    if not company_name:
        return None
    text = company_name.casefold()
    if not text.isascii():  # ASCII has no accents to drop
        text = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in text if not unicodedata.combining(char))
    words = [word for word in _NON_WORD.split(text) if word and word not in _LEGAL_FORMS]
    return " ".join(words) or None
