"""The import_leads command: CSV and JSON Lines through the bulk-upsert service."""

import json

import pytest
from django.core.management import CommandError, call_command

from qualification.models import Lead


def run(path, *args) -> tuple[dict, CommandError | None]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    failure = None
    try:
        call_command("import_leads", str(path), *args, "--no-progress", stdout=out, stderr=err)
    except CommandError as error:
        failure = error
    return json.loads(out.getvalue()), failure


def test_csv_import_with_attribute_columns(db, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(
        "external_id,company_name,country,employees,annual_revenue,attributes.stack,"
        "attributes.remote,updated_at\n"
        'c1,Acme,UA,120,1000.50,"[""python""]",true,2025-03-01T00:00:00Z\n'
        "c2,Beta,pl,,,django,,\n",
        encoding="utf-8",
    )
    report, failure = run(path, "--source", "files")
    assert failure is None
    assert report == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    acme = Lead.objects.get(external_id="c1")
    assert (acme.source, acme.employees, str(acme.annual_revenue)) == ("files", 120, "1000.50")
    assert acme.attributes == {"stack": ["python"], "remote": True}
    beta = Lead.objects.get(external_id="c2")
    assert (beta.country, beta.employees, beta.attributes) == ("PL", None, {"stack": "django"})
    replay, failure = run(path, "--source", "files")
    assert replay == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}


def test_jsonl_import_reports_bad_lines_by_number_and_imports_the_rest(db, tmp_path):
    path = tmp_path / "leads.jsonl"
    lines = [
        json.dumps({"external_id": "j1", "company_name": "One", "country": "UA"}),
        "{broken",
        "",
        json.dumps({"external_id": "j2", "country": "Narnia"}),
        json.dumps({"external_id": "j3", "attributes": {"stack": ["go"]}}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report, failure = run(path, "--source", "files")
    assert str(failure) == "2 line(s) rejected; the others were imported."
    assert (report["created"], report["updated"], report["unchanged"]) == (2, 0, 0)
    assert report["errors"] == [
        {
            "line": 2,
            "errors": {
                "non_field_errors": [
                    "Not valid JSON: Expecting property name enclosed in double quotes"
                ]
            },
        },
        {
            "line": 4,
            "external_id": "j2",
            "errors": {"country": ["Not an ISO 3166-1 alpha-2 country code."]},
        },
    ]
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["j1", "j3"]


def test_csv_cells_with_non_finite_numbers_stay_text(db, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(
        "external_id,attributes.score,attributes.limit,attributes.range\n"
        'c1,NaN,-Infinity,"[1, Infinity]"\n',
        encoding="utf-8",
    )
    report, failure = run(path, "--source", "files")
    assert failure is None
    assert report == {"created": 1, "updated": 0, "unchanged": 0, "errors": []}
    assert Lead.objects.get().attributes == {
        "score": "NaN",
        "limit": "-Infinity",
        "range": "[1, Infinity]",
    }


def test_csv_attributes_column_with_a_non_finite_number_is_not_a_json_object(db, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(
        'external_id,attributes\nc1,"{""ratio"": NaN}"\nc2,"{""ratio"": 0.5}"\n',
        encoding="utf-8",
    )
    report, failure = run(path, "--source", "files")
    assert str(failure) == "1 line(s) rejected; the others were imported."
    assert report["errors"] == [{"line": 2, "errors": {"attributes": ["Expected a JSON object."]}}]
    assert Lead.objects.get().attributes == {"ratio": 0.5}


def test_jsonl_line_with_a_non_finite_number_is_reported_and_the_rest_imported(db, tmp_path):
    path = tmp_path / "leads.jsonl"
    path.write_text(
        '{"external_id": "j1", "attributes": {"score": NaN}}\n{"external_id": "j2"}\n',
        encoding="utf-8",
    )
    report, failure = run(path, "--source", "files")
    assert str(failure) == "1 line(s) rejected; the others were imported."
    assert (report["created"], report["updated"], report["unchanged"]) == (1, 0, 0)
    assert report["errors"] == [
        {"line": 1, "external_id": "j1", "errors": {"attributes": ["Numbers must be finite."]}}
    ]
    assert list(Lead.objects.values_list("external_id", flat=True)) == ["j2"]


def test_import_streams_in_batches(db, tmp_path, settings):
    path = tmp_path / "many.jsonl"
    path.write_text(
        "".join(json.dumps({"external_id": f"m{n}"}) + "\n" for n in range(2500)),
        encoding="utf-8",
    )
    report, failure = run(path, "--source", "files")
    assert failure is None
    assert report["created"] == 2500
    assert Lead.objects.count() == 2500


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "bad source"], "--source: A source is 1 to 64"),
        (["--source", "files", "--format", "xml"], "invalid choice"),
    ],
)
def test_bad_arguments_are_refused(db, tmp_path, args, message):
    path = tmp_path / "leads.csv"
    path.write_text("external_id\nx\n", encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import_leads", str(path), *args, "--no-progress")
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('{"external_id": "j1", "company_name": "A\\u0000B"}', "company_name"),
        ('{"external_id": "j1", "region": "\\ud800"}', "region"),
        ('{"external_id": "j1", "attributes": {"note": "\\udfff"}}', "attributes"),
        ('{"external_id": "j1", "attributes": {"\\u0000": 1}}', "attributes"),
    ],
)
def test_jsonl_line_with_text_no_column_can_hold_is_reported_and_the_rest_imported(
    db, tmp_path, line, field
):
    path = tmp_path / "leads.jsonl"
    path.write_text(f'{line}\n{{"external_id": "j2"}}\n', encoding="utf-8")
    report, failure = run(path, "--source", "files")
    assert str(failure) == "1 line(s) rejected; the others were imported."
    message = "Text may not contain NUL characters or unpaired surrogates."
    assert report["errors"] == [{"line": 1, "external_id": "j1", "errors": {field: [message]}}]
    assert list(Lead.objects.values_list("external_id", flat=True)) == ["j2"]


def test_an_unstorable_external_id_is_echoed_escaped(db, tmp_path):
    path = tmp_path / "leads.jsonl"
    path.write_text('{"external_id": "j\\ud800"}\n', encoding="utf-8")
    report, _failure = run(path, "--source", "files")
    assert report["errors"][0]["external_id"] == "j\\ud800"
    assert not Lead.objects.exists()


def test_a_semicolon_windows_1251_excel_file_imports_and_a_negative_number_says_so(db, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "external_id;company_name;employees\r\nk1;Київ Софт;1 200\r\nk2;Мінус;-5\r\n".encode(
            "cp1251"
        )
    )
    report, failure = run(path, "--source", "files")
    assert str(failure) == "1 line(s) rejected; the others were imported."
    assert report["errors"] == [
        {
            "line": 3,
            "external_id": "k2",
            "errors": {"employees": ["This number must not be negative."]},
        }
    ]
    assert Lead.objects.get().company_name == "Київ Софт"
    assert Lead.objects.get().employees == 1200


def test_a_wrong_named_encoding_is_a_clear_message_not_a_traceback(db, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("external_id;company_name\r\nk1;Київ\r\n".encode("cp1251"))
    with pytest.raises(CommandError, match=r"Line 2 is not valid UTF-8 text\. The file looks like"):
        call_command("import_leads", str(path), "--source", "x", "--encoding", "utf-8")


def test_the_progress_bar_shows_the_total(db, tmp_path):
    from io import StringIO

    path = tmp_path / "leads.csv"
    path.write_text("external_id\n" + "".join(f"p{n}\n" for n in range(30)), encoding="utf-8")
    err = StringIO()
    call_command("import_leads", str(path), "--source", "files", stdout=StringIO(), stderr=err)
    assert "30/30" in err.getvalue()
