"""Import leads from a CSV or JSON Lines file with the import jobs' reading and rules.

CSV: the header names the lead fields (``external_id``, ``company_name``, ``country``,
...; see ``qualification.sync.validation.SYNC_FIELDS``); free attributes come either as
``attributes.<key>`` columns (a cell holding JSON — a number, ``true``, a list — is
decoded, anything else stays a string) or as one ``attributes`` column of JSON. Empty
cells mean "no value". The encoding (UTF-8 with or without BOM, Windows-1251 or -1250)
and the delimiter (``,`` ``;`` or tab) are detected, or named. JSONL: one lead object
per line; blank lines are skipped.

The file is read once to count its rows (the progress bar's total and time left), then
streamed in chunks of ``LEAD_IMPORT_CHUNK_ROWS``, each one transaction
(``qualification.imports``: the same reading and writing as an import job). The
aggregate report (``created``/``updated``/``unchanged``/``errors``) is printed as JSON,
each error naming its line. The exit status is 1 when any line was rejected (the valid
lines are still written), 0 otherwise.
"""

import itertools
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from qualification.imports.chunks import rows_apply
from qualification.imports.reading import (
    DELIMITERS,
    ENCODINGS,
    file_inspect,
    record_offsets,
    records,
)
from qualification.sync.validation import source_validate


class Command(BaseCommand):
    help = _("Import leads from a .csv or .jsonl file into a source (same rules as the API).")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help=_("Source the leads belong to."))
        parser.add_argument(
            "--format", choices=["csv", "jsonl"], help=_("Default: from the file's name.")
        )
        parser.add_argument("--encoding", choices=list(ENCODINGS), help=_("Default: detected."))
        parser.add_argument("--delimiter", choices=list(DELIMITERS), help=_("Default: detected."))
        parser.add_argument("--no-progress", action="store_true", help=_("No progress bar."))

    def handle(self, *args, file: Path, source: str, format: str | None, **options):
        messages = source_validate(source)
        if messages:
            raise CommandError(f"--source: {messages[0]}")
        if not file.is_file():
            raise CommandError(_("No such file: %(file)s") % {"file": file})
        name = f"{file.stem}.{format}" if format else file.name
        try:
            found = file_inspect(
                file, name=name, encoding=options["encoding"], delimiter=options["delimiter"]
            )
        except ValidationError as error:
            raise CommandError(
                "\n".join(
                    f"{field}: {message}"
                    for field, field_messages in error.message_dict.items()
                    for message in field_messages
                )
            ) from error
        size = settings.LEAD_IMPORT_CHUNK_ROWS
        total = sum(count for _offset, _line, count in record_offsets(file, found, every=size))

        report: dict[str, Any] = {"created": 0, "updated": 0, "unchanged": 0, "errors": []}
        streamed = records(file, found, start_offset=found.data_offset, start_line=found.data_line)
        with tqdm(
            total=total,
            unit=_("lead"),
            disable=options["no_progress"],
            file=self.stderr._out,
            desc=str(file.name),
        ) as progress:
            while batch := list(itertools.islice(streamed, size)):
                result = rows_apply(source=source, numbered=batch)
                for key in ("created", "updated", "unchanged"):
                    report[key] += result[key]
                report["errors"].extend(result["errors"])
                progress.update(len(batch))
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        if report["errors"]:
            raise CommandError(
                _("%(count)d line(s) rejected; the others were imported.")
                % {"count": len(report["errors"])}
            )
