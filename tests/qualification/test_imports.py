"""Import jobs: the files people have (Excel's exports), read whole, every rejection named."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from qualification.imports import reading
from qualification.imports.services import (
    ImportFinished,
    lead_import_cancel,
    lead_import_create,
    lead_import_progress,
    lead_import_run,
    lead_imports_sweep,
)
from qualification.models import Lead, LeadImport, LeadImportChunk, LeadImportState


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def run_import(db, django_capture_on_commit_callbacks):
    """Create a job and let its task run, as the embedded default does at commit."""

    def run(name: str, content: bytes, **options) -> LeadImport:
        with django_capture_on_commit_callbacks(execute=True):
            job = lead_import_create(upload=upload(name, content), source="files", **options)
        job.refresh_from_db()
        return job

    return run


def rejections(job: LeadImport) -> list[tuple[int, str, str]]:
    return list(job.rejections.values_list("line", "column", "message"))


# --- the real-world files ---------------------------------------------------------

EXCEL_UK = (
    "external_id;company_name;country;employees;annual_revenue;attributes.місто;\r\n"
    "u1;ТОВ «Ромашка»;UA;1 200;1 500 000,50;Київ;\r\n"
    'u2;"Сонях; Олія";ua;45;;"Львів,\r\nцентр";\r\n'
    "u3;Без країни;Нарнія;10;;;\r\n"
    "u4;Мінус;UA;-5;;;\r\n"
    ";Без ідентифікатора;UA;;;;\r\n"
    "u6;Останній;UA;7;100,25;Одеса;\r\n"
).encode("cp1251")


def test_a_semicolon_windows_1251_excel_export_imports_with_every_rejection_named(run_import):
    job = run_import("клієнти.csv", EXCEL_UK)

    assert (job.state, job.encoding, job.delimiter, job.kind) == (
        LeadImportState.DONE,
        "windows-1251",
        ";",
        "csv",
    )
    assert (job.total_rows, job.rows, job.created, job.rejected) == (6, 6, 3, 3)
    assert rejections(job) == [
        # u2's quoted cell takes lines 3 and 4.
        (5, "country", "Not an ISO 3166-1 alpha-2 country code."),
        (6, "employees", "This number must not be negative."),
        (7, "external_id", "This field is required."),
    ]
    romashka = Lead.objects.get(external_id="u1")
    assert (romashka.company_name, romashka.employees, str(romashka.annual_revenue)) == (
        "ТОВ «Ромашка»",
        1200,
        "1500000.50",
    )
    assert romashka.attributes == {"місто": "Київ"}
    sunflower = Lead.objects.get(external_id="u2")
    assert (sunflower.company_name, sunflower.country) == ("Сонях; Олія", "UA")
    assert sunflower.attributes == {"місто": "Львів,\r\nцентр"}
    assert str(Lead.objects.get(external_id="u6").annual_revenue) == "100.25"


POLISH_TABS = (
    "external_id\tcompany_name\tcountry\tregion\temployees\r\n"
    "p1\tZakład Łódź Sp. z o.o.\tPL\tłódzkie\t12\r\n"
    "p2\tŻółć i Gęśla\tPL\tpomorskie\tdużo\r\n"
    "p3\tŚląsk S.A.\tCZ\tśląskie\t300\r\n"
).encode("cp1250")


def test_a_tab_separated_windows_1250_file_is_detected_and_read(run_import):
    job = run_import("firmy.txt", POLISH_TABS)

    assert (job.encoding, job.delimiter, job.created, job.rejected) == (
        "windows-1250",
        "\t",
        2,
        1,
    )
    assert rejections(job) == [(3, "employees", "A whole number is required.")]
    assert dict(Lead.objects.values_list("external_id", "company_name")) == {
        "p1": "Zakład Łódź Sp. z o.o.",
        "p3": "Śląsk S.A.",
    }
    assert Lead.objects.get(external_id="p1").region == "łódzkie"


def test_a_utf8_file_with_a_bom_reads_its_first_column(run_import):
    content = "\ufeffExternal_ID,Company_Name,country\nb1,Škoda Ärger,CZ\nb2,Ελληνική,GR\n"
    job = run_import("bom.csv", content.encode("utf-8"))

    assert (job.encoding, job.delimiter, job.created, job.rejected) == ("utf-8", ",", 2, 0)
    assert dict(Lead.objects.values_list("external_id", "company_name")) == {
        "b1": "Škoda Ärger",
        "b2": "Ελληνική",
    }


def test_a_jsonl_file_with_broken_lines_imports_the_rest_and_names_each(run_import):
    lines = [
        json.dumps({"external_id": "j1", "company_name": "Один"}, ensure_ascii=False),
        '{"external_id": "j2", "company_name": ',
        "",
        json.dumps({"external_id": "j3", "employees": -1}),
        "[1, 2]",
        json.dumps({"external_id": "j5", "attributes": {"stack": ["go"]}}),
    ]
    job = run_import("leads.jsonl", ("\n".join(lines) + "\n").encode("utf-8"))

    assert (job.kind, job.total_rows, job.created, job.rejected) == ("jsonl", 5, 2, 3)
    assert rejections(job) == [
        (2, "", "Not valid JSON: Expecting value"),
        (4, "employees", "This number must not be negative."),
        (5, "", "Expected an object."),
    ]
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["j1", "j5"]


def test_a_line_not_in_the_files_encoding_is_rejected_and_the_others_read(run_import):
    content = "external_id,company_name\nx1,Café\n".encode() + b"x2,Caf\xe9\nx3,Bar\n"
    job = run_import("mixed.csv", content, encoding="utf-8")

    assert (job.created, job.rejected) == (2, 1)
    assert rejections(job) == [
        (
            3,
            "",
            "This line is not valid UTF-8 text: choose the file's encoding, or save it as UTF-8.",
        )
    ]


def test_a_lead_twice_in_a_file_ends_as_its_later_row_unless_that_one_is_older(run_import):
    content = (
        "external_id,company_name,updated_at\n"
        "d1,First,2025-01-01T00:00:00Z\n"
        "d1,Second,2025-02-01T00:00:00Z\n"
        "d2,Newer,2025-03-01T00:00:00Z\n"
        "d2,Older,2025-01-01T00:00:00Z\n"
    )
    job = run_import("twice.csv", content.encode())

    assert (job.created, job.unchanged, job.rejected) == (2, 2, 0)
    assert dict(Lead.objects.values_list("external_id", "company_name")) == {
        "d1": "Second",
        "d2": "Newer",
    }


def test_a_replayed_file_writes_nothing(run_import):
    run_import("first.csv", b"external_id,company_name\nr1,One\nr2,Two\n")
    stamps = dict(Lead.objects.values_list("external_id", "updated_at"))

    replay = run_import("again.csv", b"external_id,company_name\nr1,One\nr2,Two\n")

    assert (replay.created, replay.updated, replay.unchanged) == (0, 0, 2)
    assert dict(Lead.objects.values_list("external_id", "updated_at")) == stamps


def test_chunks_split_the_rows_and_every_row_is_written_once(run_import, settings):
    settings.LEAD_IMPORT_CHUNK_ROWS = 3
    content = "external_id,company_name\n" + "".join(f'c{n},"Name\n{n}"\n' for n in range(10))
    job = run_import("many.csv", content.encode())

    chunks = list(job.chunks.values_list("start_line", "row_count", "created"))
    assert chunks == [(2, 3, 3), (8, 3, 3), (14, 3, 3), (20, 1, 1)]
    assert (job.state, job.rows, job.created) == (LeadImportState.DONE, 10, 10)
    assert Lead.objects.get(external_id="c9").company_name == "Name\n9"


# --- what a wrong file says ---------------------------------------------------------


def inspect(tmp_path, content: bytes, name="file.csv", **options) -> reading.FileFormat:
    path = tmp_path / name
    path.write_bytes(content)
    return reading.file_inspect(path, name=name, **options)


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


def test_a_named_delimiter_that_makes_the_header_one_column_says_which_one_it_is(tmp_path):
    content = b"external_id;company_name\nx;y\n"
    errors = errors_of(lambda: inspect(tmp_path, content, delimiter="comma"))
    assert errors == {
        "delimiter": [
            'The header "external_id;company_name" is one column when separated by comma (,). '
            "The file seems to be separated by semicolon (;): choose that delimiter."
        ]
    }


def test_a_named_encoding_the_file_is_not_in_says_what_it_looks_like(tmp_path):
    content = "external_id;company_name\nx;Ромашка\n".encode("cp1251")
    errors = errors_of(lambda: inspect(tmp_path, content, encoding="utf-8"))
    assert errors == {
        "encoding": [
            "Line 2 is not valid UTF-8 text. The file looks like Windows-1251 (Cyrillic): "
            "choose that encoding, or save the file as UTF-8."
        ]
    }


def test_unknown_columns_are_named_once_for_the_file(tmp_path):
    errors = errors_of(lambda: inspect(tmp_path, b"external_id,colour,size\nx,red,2\n"))
    assert errors["file"][0].startswith(
        'Unknown column(s) in the header: "colour", "size". The columns are the lead\'s fields'
    )


def test_a_header_without_external_id_is_refused(tmp_path):
    errors = errors_of(lambda: inspect(tmp_path, b"company_name,country\nAcme,UA\n"))
    assert errors == {"file": ["The header has no external_id column: each lead needs its id."]}


def test_a_json_array_is_refused_as_not_json_lines(tmp_path):
    errors = errors_of(lambda: inspect(tmp_path, b'[{"external_id": "a"}]', name="leads.json"))
    assert errors == {
        "file": ["This is a JSON array; the file must be JSON Lines: one lead object per line."]
    }


def test_an_empty_file_is_refused(tmp_path):
    assert errors_of(lambda: inspect(tmp_path, b"\n\n")) == {"file": ["The file is empty."]}


@pytest.mark.parametrize(
    ("text", "codec", "expected"),
    [
        ("Назва компанії, Київ, Харків", "cp1251", "windows-1251"),
        ("Название компании", "cp1251", "windows-1251"),
        ("Zakład Łódź, Gdańsk, Kraków", "cp1250", "windows-1250"),
        ("Škoda Plzeň, Brno", "cp1250", "windows-1250"),
        ("Київ", "utf-8", "utf-8"),
        ("plain", "ascii", "utf-8"),
    ],
)
def test_the_encoding_is_guessed_from_the_letters(text, codec, expected):
    assert reading.encoding_guess(text.encode(codec)) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("1 200", "1200"), ("1\u00a0200\u00a0300,5", "1200300.5"), ("12,50", "12.50"), ("7", "7")],
)
def test_numbers_as_excel_writes_them_read_as_numbers(cell, expected):
    assert reading.number_cell(cell) == expected


# --- the job's life ------------------------------------------------------------------


def queued(django_capture_on_commit_callbacks, content: bytes, name="q.csv") -> LeadImport:
    """A job whose task was not run (its message still in the outbox)."""
    with django_capture_on_commit_callbacks(execute=False):
        return lead_import_create(upload=upload(name, content), source="files")


def test_a_cancelled_job_writes_no_more_chunks(db, django_capture_on_commit_callbacks, settings):
    settings.LEAD_IMPORT_CHUNK_ROWS = 2
    job = queued(django_capture_on_commit_callbacks, b"external_id\na\nb\nc\nd\n")
    job_id = job.pk
    # The plan and the first chunk, then a cancel.
    lead_import_run(job_id=job_id, seconds=0)
    assert LeadImport.objects.get(pk=job_id).state == LeadImportState.RUNNING
    with django_capture_on_commit_callbacks(execute=True):
        lead_import_cancel(job=job)

    assert lead_import_run(job_id=job_id) == LeadImportState.CANCELLED
    job.refresh_from_db()
    assert (job.state, job.rows, job.created) == (LeadImportState.CANCELLED, 2, 2)
    assert Lead.objects.count() == 2
    with pytest.raises(ImportFinished):
        lead_import_cancel(job=job)


def test_the_sweep_asks_again_for_a_stalled_job_and_it_resumes_after_its_done_chunks(
    db, django_capture_on_commit_callbacks, settings
):
    import datetime

    from django.utils import timezone

    from qualification.imports.chunks import import_chunk_write

    settings.LEAD_IMPORT_CHUNK_ROWS = 2
    job = queued(django_capture_on_commit_callbacks, b"external_id\na\nb\nc\nd\ne\n")
    lead_import_run(job_id=job.pk, seconds=0)
    # The worker wrote chunk 1 and died: chunk 1 is written again by nobody.
    second = LeadImportChunk.objects.get(job=job, number=1)
    assert import_chunk_write(chunk_id=second.pk) is True
    assert import_chunk_write(chunk_id=second.pk) is False
    future = timezone.now() + datetime.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert lead_imports_sweep(stalled_before=future) == 1
    job.refresh_from_db()
    assert (job.state, job.rows, job.created) == (LeadImportState.DONE, 5, 5)
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["a", "b", "c", "d", "e"]
    assert lead_imports_sweep(stalled_before=future) == 0


def test_progress_counts_percent_rate_and_time_left(db):
    import datetime

    from django.utils import timezone

    now = timezone.now()
    job = LeadImport(
        state=LeadImportState.RUNNING,
        total_rows=1000,
        rows=250,
        started_at=now - datetime.timedelta(seconds=10),
    )
    assert lead_import_progress(job, now=now) == {
        "percent": 25,
        "rows_per_second": 25.0,
        "seconds_left": 30,
    }


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("plain", "plain"),
        (" 12", 12),
        ("true", True),
        ('["a", 1]', ["a", 1]),
        ("NaN", "NaN"),
        ("-Infinity", "-Infinity"),
        ("{broken", "{broken"),
        ("", ""),
    ],
)
def test_an_attribute_cell_is_its_json_value_or_else_its_text(cell, expected):
    assert reading.decode_cell(cell) == expected


def test_a_nul_character_in_a_row_rejects_that_row_only(run_import):
    job = run_import("nul.csv", b"external_id,company_name\nn1,A\x00B\nn2,Fine\n")

    assert (job.state, job.rows, job.created, job.rejected) == (LeadImportState.DONE, 2, 1, 1)
    assert rejections(job) == [
        (2, "company_name", "Text may not contain NUL characters or unpaired surrogates.")
    ]


def test_a_task_out_of_time_hands_the_job_to_its_next_message(
    db, django_capture_on_commit_callbacks, settings
):
    from config.outbox.models import OutboxMessage
    from qualification.imports.services import LEAD_IMPORT_TASK

    settings.LEAD_IMPORT_CHUNK_ROWS = 2
    settings.LEAD_IMPORT_TASK_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        job = lead_import_create(
            upload=upload("t.csv", b"external_id\na\nb\nc\nd\ne\n"), source="files"
        )

    job.refresh_from_db()
    assert (job.state, job.total_chunks, job.created) == (LeadImportState.DONE, 3, 5)
    # The upload's message, then one per chunk handed on: each task wrote one chunk.
    assert OutboxMessage.objects.filter(task_name=LEAD_IMPORT_TASK).count() == 3


def test_a_chunk_that_raises_fails_the_job_with_a_message_for_its_requester(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    from qualification.imports import chunks

    job = queued(django_capture_on_commit_callbacks, b"external_id\na\n")

    def broken(**kwargs):
        raise RuntimeError("connection reset by the database server at 10.0.0.5")

    monkeypatch.setattr(chunks, "valid_rows_merge", broken)
    with pytest.raises(RuntimeError):
        lead_import_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.state == LeadImportState.FAILED
    assert job.error.startswith("The import stopped on an unexpected error")
    assert "10.0.0.5" not in job.error
    assert Lead.objects.count() == 0


# --- lines no spreadsheet or script should be able to sink a job with ----------------

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("deep.jsonl", b'{"external_id": "ok1"}\n' + DEEP + b'\n{"external_id": "ok2"}\n'),
        ("deep.csv", b"external_id,attributes.x\nok1,1\nbad," + DEEP + b"\nok2,2\n"),
    ],
)
def test_a_line_nested_too_deeply_is_one_rejection_and_the_rest_imports(run_import, name, content):
    job = run_import(name, content)

    assert (job.state, job.created, job.rejected) == (LeadImportState.DONE, 2, 1)
    assert set(Lead.objects.values_list("external_id", flat=True)) == {"ok1", "ok2"}


def test_a_line_longer_than_the_limit_is_rejected_by_number_and_never_held_whole(
    run_import, monkeypatch
):
    monkeypatch.setattr(reading, "MAX_LINE_BYTES", 64)
    content = b"external_id,company_name\na1,Alpha\na2," + b"B" * 300 + b"\na3,Gamma\n"

    job = run_import("long.csv", content)

    assert (job.state, job.created, job.rejected) == (LeadImportState.DONE, 2, 1)
    assert rejections(job) == [(3, "", "This line is longer than 64 bytes.")]


def test_a_row_after_an_unreadable_undecodable_one_is_not_blamed_for_it(run_import):
    content = (
        "external_id,company_name\na1,Alpha\na0,Café\nb0,Café\n".encode()
        + b"a2,\xff foo\rbar\na3,fine\n"  # line 5: an invalid byte and a bare CR
    )

    job = run_import("mixed.csv", content, encoding="utf-8")

    assert "a3" in set(Lead.objects.values_list("external_id", flat=True))
    assert [line for line, _column, _message in rejections(job)] == [5]


def test_lines_ended_by_carriage_returns_alone_are_refused_naming_the_file(db):
    with pytest.raises(ValidationError) as refusal:
        lead_import_create(
            upload=upload("mac.csv", b"external_id,company_name\ra1,Alpha\ra2,Beta\r"),
            source="files",
        )

    assert list(refusal.value.message_dict) == ["file"]
    assert not LeadImport.objects.exists()
