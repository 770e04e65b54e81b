"""Stage 2's demo content: the service rules in force and what clients tell us.

Plain data (no Django): ``load_stage2_demo`` records it through the services. The rules
keep a Ukrainian calendar in Europe/Kyiv; clients write in their own language, so the
pages show Ukrainian, Polish and Hebrew text side by side.
"""

import datetime

WEEKDAY_HOURS = [["09:00", "18:00"]]

STANDARDS = """Be liked. Every department serves the client: the warehouse, logistics, accounting, production, quality and IT alike. We answer in the client's language, in the channel they prefer, at the hours that suit them.

Listen. Bad news must fly: a complaint, a low rating or a delay reaches the account owner and their manager at once. Nobody hides a problem; we tell the client before they find out.

Negotiate. A hard question is argued against the contract clause it concerns, with both sides' positions written down, until we agree.

Internal clients (a department that uses another's work) get the same standards as those who pay us."""  # noqa: E501


def targets() -> list[dict]:
    """First response and resolution per channel and severity, in service minutes."""
    minutes = {
        # channel: (normal response, normal resolution, urgent response, urgent resolution)
        "email": (240, 1440, 60, 480),
        "phone": (30, 480, 15, 240),
        "messenger": (60, 720, 20, 240),
        "social": (120, 960, 30, 480),
        "in_person": (60, 960, 30, 480),
        "web_order": (120, 960, 60, 480),
    }
    rows = []
    for channel, (response, resolution, urgent_response, urgent_resolution) in minutes.items():
        rows.append(_target(channel, "normal", response, resolution))
        rows.append(_target(channel, "urgent", urgent_response, urgent_resolution))
    # Influencers speak in public: on social networks they hear back within half an hour.
    rows.append(_target("social", "normal", 30, 480, client_kind="influencer"))
    return rows


def _target(channel, severity, response, resolution, client_kind=None) -> dict:
    return {
        "channel": channel,
        "severity": severity,
        "client_kind": client_kind,
        "first_response_minutes": response,
        "resolution_minutes": resolution,
    }


def rules(today: datetime.date) -> dict:
    """The demo's service rules: weekdays 9 to 6 and Saturday mornings in Kyiv, closed on
    Ukraine's public holidays and on the company's own Christmas and New Year."""
    return {
        "name": "Service code",
        "standards": STANDARDS,
        "time_zone": "Europe/Kyiv",
        "holiday_country": "UA",
        "closed_days": [
            datetime.date(today.year, 12, 25).isoformat(),
            datetime.date(today.year + 1, 1, 1).isoformat(),
        ],
        "hours": {
            **{day: WEEKDAY_HOURS for day in ("mon", "tue", "wed", "thu", "fri")},
            "sat": [["10:00", "14:00"]],
            "sun": [],
        },
        "targets": targets(),
    }


#: What clients say, per kind and language (a client's own language, else English).
TEXTS = {
    "praise": {
        "en": [
            "The new release went live without a hitch. Thank you, team!",
            "Your support engineer stayed late to fix our export. Much appreciated.",
            "Quick, friendly and to the point: the best onboarding we have had.",
        ],
        "uk": [
            "Дякуємо за швидку допомогу з інтеграцією, все працює!",
            "Менеджер відповів за десять хвилин. Так тримати.",
        ],
        "pl": ["Dziękujemy za sprawne wdrożenie, wszystko działa bez zarzutu."],
        "he": ["תודה רבה על התמיכה המהירה, הכול עובד מצוין!"],
    },
    "suggestion": {
        "en": [
            "Could the monthly report come as a spreadsheet as well as a PDF?",
            "A reminder the day before each delivery would help our warehouse.",
        ],
        "uk": ["Додайте, будь ласка, експорт рахунків у форматі XML."],
        "pl": ["Prosimy o możliwość zamawiania przez API."],
        "he": ["אפשר להוסיף תמיכה בעברית בדוחות החודשיים?"],
    },
    "complaint": {
        "en": [
            "The invoice for March is wrong for the second time in a row.",
            "Nobody called back after our outage report yesterday.",
            "The delivery arrived incomplete: two modules are missing.",
        ],
        "uk": [
            "Доставка знову запізнилася, склад простоював пів дня.",
            "Рахунок виставлено не на ту юридичну особу.",
        ],
        "pl": ["Faktura ma błędny numer NIP, proszę o korektę."],
        "he": ["המשלוח הגיע באיחור של שבוע בלי שום הודעה."],
    },
    "delay_notice": {
        "en": ["Our own release slips a week: please hold the installation."],
        "uk": ["Наш склад переїжджає, приймання товару відкладаємо на тиждень."],
        "pl": ["Przesuwamy odbiór towaru o dwa dni."],
        "he": ["אנחנו דוחים את ההתקנה בשבוע."],
    },
    "question": {
        "en": [
            "When does the next version ship, and does it change the API?",
            "How do we add a second warehouse to our account?",
            "Can we move the training session to Thursday?",
        ],
        "uk": [
            "Коли буде готовий акт виконаних робіт за листопад?",
            "Чи можна змінити адресу доставки для наступного замовлення?",
        ],
        "pl": ["Czy możemy przesunąć szkolenie na przyszły tydzień?"],
        "he": ["מתי תגיע הגרסה הבאה?"],
    },
}

#: How often each channel and kind comes up (weights).
CHANNELS = {"email": 35, "phone": 25, "messenger": 15, "social": 8, "in_person": 5, "web_order": 12}
KINDS = {"question": 35, "praise": 20, "suggestion": 13, "complaint": 22, "delay_notice": 10}

#: Delays that departments told (reference, department, what, days from today per
#: postponement): the first is put off three times.
DELAYS = [
    ("ORD-1042", "Logistics", "The server racks for the second data room", (5, 9, 16)),
    ("SPEC-7.3", "Production", "The customised reporting module", (12,)),
    ("REP-Q4", "IT", "The access audit of the accounting system", (3, 10)),
]
