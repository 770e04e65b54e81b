"""Import jobs through the API: upload (202), progress, rejected rows, cancel, who sees what."""

import csv

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from portrait import roles
from qualification.models import Lead, LeadImport, LeadImportState, LeadSource
from tests.qualification.factories import LeadSourceFactory

CSV = "external_id;company_name;employees\r\na1;Альфа;10\r\na2;Бета;-5\r\na3;Гамма;x\r\n".encode(
    "cp1251"
)


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_file(client, content=CSV, name="leads.csv", source="files", headers=None, **fields):
    data = {"file": SimpleUploadedFile(name, content), "source": source, **fields}
    return client.post("/api/v1/lead-imports/", data, format="multipart", headers=headers)


@pytest.fixture
def upload_as(make_user, django_capture_on_commit_callbacks):
    """Upload as a user of ``role``; the job runs at commit, as with no broker."""

    def upload(role, **fields):
        user = make_user(role)
        client = client_of(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = post_file(client, **fields)
        return user, client, response

    return upload


@pytest.mark.parametrize("role", [roles.ADMINS, roles.SALES_MANAGERS, roles.INTEGRATIONS])
def test_an_upload_answers_202_with_the_job_and_imports_the_file(upload_as, role):
    _user, client, response = upload_as(role)

    assert response.status_code == 202, response.json()
    job = response.json()
    assert (job["state"], job["kind"], job["encoding"], job["delimiter"]) == (
        "queued",
        "csv",
        "windows-1251",
        "semicolon",
    )
    answer = client.get(f"/api/v1/lead-imports/{job['id']}/").json()
    assert {key: answer[key] for key in ("state", "total_rows", "rows", "created", "rejected")} == {
        "state": "done",
        "total_rows": 3,
        "rows": 3,
        "created": 1,
        "rejected": 2,
    }
    assert answer["percent"] == 100
    assert answer["rows_per_second"] is not None
    assert Lead.objects.get(external_id="a1").company_name == "Альфа"


def test_the_rejected_rows_come_as_csv_naming_line_and_column(upload_as):
    _user, client, response = upload_as(roles.ADMINS)
    job_id = response.json()["id"]

    answer = client.get(f"/api/v1/lead-imports/{job_id}/errors/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    # Separated as the uploaded file was: Excel in a comma-decimal locale opens it.
    assert text.splitlines() == [
        "line;column;message",
        "3;employees;This number must not be negative.",
        "4;employees;A whole number is required.",
    ]


def test_a_rejected_cell_that_reads_as_a_formula_stays_text_in_the_csv(upload_as):
    line = b'{"external_id": "x1", "=HYPERLINK(\\"http://evil.example\\")": 1}\n'
    _user, client, response = upload_as(roles.ADMINS, content=line, name="leads.jsonl")

    answer = client.get(f"/api/v1/lead-imports/{response.json()['id']}/errors/")

    rows = list(csv.reader(b"".join(answer.streaming_content).decode("utf-8-sig").splitlines()))
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example")'


def test_the_messages_are_in_the_language_of_the_upload(upload_as):
    _user, client, response = upload_as(roles.ADMINS, headers={"Accept-Language": "uk"})

    answer = client.get(f"/api/v1/lead-imports/{response.json()['id']}/errors/")

    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[-1] == "4;employees;Потрібне ціле число."


def test_a_file_nobody_can_read_is_a_400_naming_what_to_change(make_user):
    client = client_of(make_user(roles.ADMINS))

    response = post_file(client, content=b"external_id;colour\nx;red\n")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]
    assert LeadImport.objects.count() == 0


def test_an_unknown_encoding_name_is_a_400_naming_the_field(make_user):
    response = post_file(client_of(make_user(roles.ADMINS)), encoding="koi8-u")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["encoding"]


def test_an_integration_may_not_import_into_another_accounts_source(make_user):
    owner = make_user(roles.INTEGRATIONS)
    LeadSourceFactory(name="erp", accounts=[owner])
    other = client_of(make_user(roles.INTEGRATIONS))

    response = post_file(other, source="erp")

    assert response.status_code == 403
    assert response.json()["code"] == "source_not_granted"
    assert LeadImport.objects.count() == 0
    assert Lead.objects.count() == 0


def test_an_integrations_first_import_takes_a_free_source(upload_as):
    user, _client, response = upload_as(roles.INTEGRATIONS, source="crm2")
    assert response.status_code == 202
    assert list(LeadSource.objects.get(name="crm2").accounts.all()) == [user]


def test_a_requester_sees_their_own_jobs_and_admins_everyones(upload_as, make_user):
    _manager, manager_client, mine = upload_as(roles.SALES_MANAGERS)
    _integration, integration_client, theirs = upload_as(roles.INTEGRATIONS, source="other")
    admin = client_of(make_user(roles.ADMINS))

    assert integration_client.get(f"/api/v1/lead-imports/{mine.json()['id']}/").status_code == 404
    assert manager_client.get(f"/api/v1/lead-imports/{theirs.json()['id']}/").status_code == 404
    assert [job["id"] for job in manager_client.get("/api/v1/lead-imports/").json()["results"]] == [
        mine.json()["id"]
    ]
    assert [job["id"] for job in admin.get("/api/v1/lead-imports/").json()["results"]] == [
        theirs.json()["id"],
        mine.json()["id"],
    ]
    errors = integration_client.get(f"/api/v1/lead-imports/{mine.json()['id']}/errors/")
    assert errors.status_code == 404


def test_cancel_stops_a_queued_job_and_a_finished_one_answers_409(
    make_user, django_capture_on_commit_callbacks
):
    client = client_of(make_user(roles.ADMINS))
    with django_capture_on_commit_callbacks(execute=False):
        job_id = post_file(client).json()["id"]

    cancelled = client.post(f"/api/v1/lead-imports/{job_id}/cancel/")
    again = client.post(f"/api/v1/lead-imports/{job_id}/cancel/")

    assert (cancelled.status_code, cancelled.json()["state"]) == (200, "cancelled")
    assert (again.status_code, again.json()["code"]) == (409, "import_finished")
    assert LeadImport.objects.get(pk=job_id).state == LeadImportState.CANCELLED
    assert Lead.objects.count() == 0


def test_another_requester_may_not_cancel_a_job(make_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job_id = post_file(client_of(make_user(roles.SALES_MANAGERS))).json()["id"]

    response = client_of(make_user(roles.INTEGRATIONS)).post(
        f"/api/v1/lead-imports/{job_id}/cancel/"
    )

    assert response.status_code == 404
    assert LeadImport.objects.get(pk=job_id).state == LeadImportState.QUEUED


def test_a_retry_with_its_idempotency_key_creates_no_second_job(
    make_user, django_capture_on_commit_callbacks
):
    client = client_of(make_user(roles.ADMINS))
    with django_capture_on_commit_callbacks(execute=True):
        first = post_file(client, headers={"Idempotency-Key": "upload-1"})
        second = post_file(client, headers={"Idempotency-Key": "upload-1"})

    assert (first.status_code, second.status_code) == (202, 202)
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert LeadImport.objects.count() == 1


@pytest.mark.parametrize("role", [roles.SALES, roles.TECHNICAL])
def test_roles_that_do_not_push_may_not_upload_and_nothing_is_written(make_user, role):
    response = post_file(client_of(make_user(role)))
    assert response.status_code == 403
    assert (LeadImport.objects.count(), Lead.objects.count()) == (0, 0)


def test_the_list_reads_a_fixed_number_of_queries(
    upload_as, make_user, django_assert_max_num_queries
):
    for number in range(3):
        upload_as(roles.INTEGRATIONS, source=f"system{number}")
    admin = client_of(make_user(roles.ADMINS))
    with django_assert_max_num_queries(8):
        response = admin.get("/api/v1/lead-imports/")
    assert len(response.json()["results"]) == 3


def test_a_large_upload_goes_to_disk_and_is_imported_from_there(upload_as, settings):
    # Past this size Django writes the upload to a temporary file, which the job takes over.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 16
    _user, client, response = upload_as(roles.ADMINS)

    assert response.status_code == 202
    assert client.get(f"/api/v1/lead-imports/{response.json()['id']}/").json()["created"] == 1


def test_uploads_count_in_the_bulk_rate_and_following_a_job_does_not(
    make_user, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "bulk": "2/min"},
    }
    client = client_of(make_user(roles.ADMINS))
    with django_capture_on_commit_callbacks(execute=True):
        answers = [post_file(client).status_code for _ in range(3)]

    assert answers == [202, 202, 429]
    assert LeadImport.objects.count() == 2
    job_id = LeadImport.objects.first().pk
    assert [client.get(f"/api/v1/lead-imports/{job_id}/").status_code for _ in range(3)] == [
        200
    ] * 3
    cache.clear()
