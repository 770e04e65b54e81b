"""Names of industry codes (NACE Rev. 2), so that a rule's ``industry`` value reads as words.

A small table: the divisions (two digits) and the classes our portraits name most; a code
not listed is named by its division (``62.03`` reads as division 62's name), and a code
with no known division is shown as it is.
"""

from django.utils.translation import gettext_lazy as _

NACE_DIVISIONS = {
    "01": _("Crop and animal production"),
    "10": _("Manufacture of food products"),
    "20": _("Manufacture of chemicals"),
    "21": _("Manufacture of pharmaceutical products"),
    "25": _("Manufacture of fabricated metal products"),
    "26": _("Manufacture of computer, electronic and optical products"),
    "27": _("Manufacture of electrical equipment"),
    "28": _("Manufacture of machinery and equipment"),
    "29": _("Manufacture of motor vehicles"),
    "35": _("Electricity, gas and steam supply"),
    "41": _("Construction of buildings"),
    "45": _("Trade and repair of motor vehicles"),
    "46": _("Wholesale trade"),
    "47": _("Retail trade"),
    "49": _("Land transport"),
    "52": _("Warehousing and support for transportation"),
    "55": _("Accommodation"),
    "56": _("Food and beverage service"),
    "58": _("Publishing"),
    "61": _("Telecommunications"),
    "62": _("Computer programming, consultancy and related activities"),
    "63": _("Information service activities"),
    "64": _("Financial services"),
    "65": _("Insurance"),
    "66": _("Activities auxiliary to financial services"),
    "68": _("Real estate"),
    "69": _("Legal and accounting activities"),
    "70": _("Head offices; management consultancy"),
    "71": _("Architecture and engineering"),
    "72": _("Scientific research and development"),
    "73": _("Advertising and market research"),
    "78": _("Employment activities"),
    "82": _("Office administrative and business support"),
    "84": _("Public administration and defence"),
    "85": _("Education"),
    "86": _("Human health activities"),
    "92": _("Gambling and betting"),
}

NACE_CLASSES = {
    "62.01": _("Computer programming activities"),
    "62.02": _("Computer consultancy activities"),
    "62.03": _("Computer facilities management"),
    "62.09": _("Other information technology service activities"),
    "63.11": _("Data processing, hosting and related activities"),
    "63.12": _("Web portals"),
    "64.19": _("Banks and other monetary intermediation"),
    "64.92": _("Other credit granting"),
    "65.12": _("Non-life insurance"),
    "70.22": _("Business and other management consultancy"),
    "72.19": _("Other research on natural sciences and engineering"),
    "92.00": _("Gambling and betting activities"),
}


def industry_name(code: str) -> str | None:
    """The name of a NACE code, by its class, else its division; ``None`` when unknown."""
    code = code.strip()
    if code in NACE_CLASSES:
        return str(NACE_CLASSES[code])
    division = NACE_DIVISIONS.get(code[:2]) if len(code) >= 2 else None
    return str(division) if division is not None else None
