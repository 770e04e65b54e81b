"""Import leads from a CSV or JSON Lines file through the same service as the API.

CSV: the header names the lead fields (``external_id``, ``company_name``, ``country``,
...; see ``qualification.sync.validation.SYNC_FIELDS``); free attributes come either as
``attributes.<key>`` columns (a cell holding JSON — a number, ``true``, a list — is
decoded, anything else stays a string) or as one ``attributes`` column of JSON. Empty
cells mean "no value". JSONL: one lead object per line; blank lines are skipped.

The file is streamed in batches of ``BULK_UPSERT_MAX_ITEMS``; each batch is one
transaction. The aggregate report (``created``/``updated``/``unchanged``/``errors``) is
printed as JSON, each error naming its line. The exit status is 1 when any line was
rejected (the valid lines are still written), 0 otherwise.
"""

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from qualification.sync.upsert import leads_bulk_upsert
from qualification.sync.validation import MAX_ITEMS, source_validate

_ATTRIBUTE_PREFIX = "attributes."


class Command(BaseCommand):
    help = _("Import leads from a .csv or .jsonl file into a source (same rules as the API).")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help=_("Source the leads belong to."))
        parser.add_argument(
            "--format", choices=["csv", "jsonl"], help=_("Default: from the file extension.")
        )
        parser.add_argument("--no-progress", action="store_true", help=_("No progress bar."))

    def handle(self, *args, file: Path, source: str, format: str | None, **options):
        messages = source_validate(source)
        if messages:
            raise CommandError(f"--source: {messages[0]}")
        if not file.is_file():
            raise CommandError(_("No such file: %(file)s") % {"file": file})
        kind = format or file.suffix.lower().lstrip(".")
        if kind not in ("csv", "jsonl"):
            raise CommandError(_("Use a .csv or .jsonl file, or pass --format."))

        report: dict[str, Any] = {"created": 0, "updated": 0, "unchanged": 0, "errors": []}
        with (
            file.open(encoding="utf-8-sig", newline="") as handle,
            tqdm(
                unit=_("lead"),
                disable=options["no_progress"],
                file=self.stderr._out,
                desc=str(file.name),
            ) as progress,
        ):
            lines = _csv_items(handle) if kind == "csv" else _jsonl_items(handle)
            for batch in _batches(lines, MAX_ITEMS):
                items = [item for _line, item, _error in batch if item is not None]
                item_lines = [line for line, item, _error in batch if item is not None]
                for line, _item, error in batch:
                    if error is not None:
                        report["errors"].append({"line": line, "errors": error})
                if items:
                    result = leads_bulk_upsert(source=source, items=items)
                    for key in ("created", "updated", "unchanged"):
                        report[key] += result[key]
                    for failure in result["errors"]:
                        report["errors"].append(
                            {
                                "line": item_lines[failure["index"]],
                                "external_id": failure["external_id"],
                                "errors": failure["errors"],
                            }
                        )
                progress.update(len(batch))
        report["errors"].sort(key=lambda failure: failure["line"])
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        if report["errors"]:
            raise CommandError(
                _("%(count)d line(s) rejected; the others were imported.")
                % {"count": len(report["errors"])}
            )


def _batches(lines: Iterator, size: int) -> Iterator[list]:
    batch = []
    for entry in lines:
        batch.append(entry)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _jsonl_items(handle) -> Iterator[tuple[int, Any, dict | None]]:
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            yield number, json.loads(text), None
        except json.JSONDecodeError as error:
            yield number, None, {"non_field_errors": [_("Not valid JSON: %s") % error.msg]}


class _NotJson(ValueError):
    pass


def _refuse_constant(constant: str) -> Any:
    raise _NotJson(constant)


def _decode_cell(value: str) -> Any:
    """The cell's JSON value; a cell that is not JSON (``NaN`` and ``Infinity`` included,
    which Python's parser would otherwise accept) stays the text it is."""
    try:
        return json.loads(value, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, _NotJson):
        return value


def _csv_items(handle) -> Iterator[tuple[int, Any, dict | None]]:
    reader = csv.DictReader(handle)
    for row in reader:
        number = reader.line_num
        item: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        error = None
        for column, value in row.items():
            if column is None:
                error = {"non_field_errors": [_("More cells than columns in the header.")]}
                continue
            if value is None or value == "":
                continue
            if column.startswith(_ATTRIBUTE_PREFIX):
                attributes[column[len(_ATTRIBUTE_PREFIX) :]] = _decode_cell(value)
            elif column == "attributes":
                decoded = _decode_cell(value)
                if not isinstance(decoded, dict):
                    error = {"attributes": [_("Expected a JSON object.")]}
                    continue
                attributes.update(decoded)
            else:
                item[column] = value
        if attributes:
            item["attributes"] = attributes
        yield (number, None, error) if error else (number, item, None)
