"""Reading the files people have: encoding, delimiter and header found, records streamed.

A CSV comes from Excel in UTF-8 (with or without its BOM) or in the Windows code page of
its locale (Windows-1251 for Ukrainian and Russian, Windows-1250 for Polish), separated
by ``,``, ``;`` (what Excel writes where the decimal mark is a comma) or a tab; JSON
Lines hold one lead object per line. ``file_inspect`` finds (or checks what the user
named) the encoding, the delimiter and the header from the file's first 64 KB and
refuses a file it cannot read with a message saying what to change.

``records`` streams the records from a byte offset, in bounded memory: the file is read
in binary lines, each line decoded on its own (a line that is not valid text in the
encoding is rejected by number, the others are read), and each record says at which
byte it ends, so a job's chunk starts where the one before ended (``record_offsets``).
"""

import codecs
import csv
import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qualification.sync.validation import SYNC_FIELDS

CSV, JSONL = "csv", "jsonl"
#: The encodings a file may be in: name → Python codec.
ENCODINGS = {"utf-8": "utf-8", "windows-1251": "cp1251", "windows-1250": "cp1250"}
ENCODING_LABELS = {
    "utf-8": gettext_lazy("UTF-8"),
    "windows-1251": gettext_lazy("Windows-1251 (Cyrillic)"),
    "windows-1250": gettext_lazy("Windows-1250 (Central European)"),
}
#: The delimiters a CSV may use: name → character.
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}
DELIMITER_LABELS = {
    "comma": gettext_lazy("comma (,)"),
    "semicolon": gettext_lazy("semicolon (;)"),
    "tab": gettext_lazy("tab"),
}
ATTRIBUTE_PREFIX = "attributes."
# Excel's default cell limit is 32,767 characters; attributes hold at most 16 KB.
csv.field_size_limit(1 << 20)
#: The longest line read: a lead's cells, each under the field limit, fit in it many times.
MAX_LINE_BYTES = 4 << 20
# What a line too long to read stands for: one cell, so it counts as a record.
_TOO_LONG = b"?\n"

_SAMPLE_BYTES = 1 << 16
_BOM = codecs.BOM_UTF8
_KNOWN = {field.lower(): field for field in (*SYNC_FIELDS, "attributes")}
# Numbers as Excel writes them where the decimal mark is a comma: "1 200", "1200,50".
_GROUPED = re.compile(r"^-?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?$")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_NUMERIC = frozenset({"employees", "annual_revenue"})
_NUMBER_MARKS = frozenset(" ,\u00a0\u202f")
# What a JSON text may start with (NaN and Infinity too: they are refused, not parsed).
_JSON_STARTS = frozenset('{["-0123456789tfnNI')


@dataclasses.dataclass(frozen=True)
class FileFormat:
    """How a file is read: its kind, encoding name, delimiter, header and data start."""

    kind: str
    encoding: str
    delimiter: str | None = None
    columns: tuple[str, ...] = ()
    data_offset: int = 0
    data_line: int = 1

    @property
    def codec(self) -> str:
        return ENCODINGS[self.encoding]


@dataclasses.dataclass(frozen=True)
class Record:
    """One record: its first line, the byte after it, and the item or the row's errors."""

    line: int
    end_offset: int
    item: dict | None
    errors: dict[str, list[str]] | None


def kind_guess(name: str, head: bytes) -> str:
    """CSV or JSON Lines, from the file's name, else from its first character."""
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return JSONL
    if suffix in (".csv", ".tsv", ".txt"):
        return CSV
    return JSONL if head.removeprefix(_BOM).lstrip().startswith(b"{") else CSV


def encoding_guess(sample: bytes) -> str:
    """UTF-8 when most lines holding non-ASCII bytes decode as UTF-8; else Windows-1251 or
    -1250 (a UTF-8 file with a stray line of another encoding stays UTF-8: that line is
    rejected, the others read).

    Cyrillic words are runs of bytes above 0x7F (every letter is one); Polish, Czech
    or Hungarian words are Latin letters with a diacritic here and there, so their high
    bytes come alone. Runs averaging two bytes or more are read as Cyrillic.
    """
    if sample.startswith(_BOM):
        return "utf-8"
    valid, invalid = _utf8_lines(sample)
    if valid >= invalid:
        return "utf-8"
    runs = re.findall(rb"[\x80-\xff]+", sample)
    average = sum(map(len, runs)) / len(runs) if runs else 0
    return "windows-1251" if average >= 2 else "windows-1250"


def _utf8_lines(sample: bytes) -> tuple[int, int]:
    """How many of the sample's lines with non-ASCII bytes are valid UTF-8, and how many not."""
    valid = invalid = 0
    lines = sample.split(b"\n")
    for number, raw in enumerate(lines):
        if raw.isascii():
            continue
        if _decodes(raw, "utf-8", last=number == len(lines) - 1):
            valid += 1
        else:
            invalid += 1
    return valid, invalid


def _decodes(sample: bytes, codec: str, *, last: bool = True) -> bool:
    try:
        sample.decode(codec)
    except UnicodeDecodeError as error:
        # A sample cut inside a character ends with an incomplete one: that is fine.
        return (
            last
            and codec == "utf-8"
            and error.start >= len(sample) - 3
            and error.reason == "unexpected end of data"
        )
    return True


def _mostly_decodes(sample: bytes, codec: str) -> bool:
    """Whether most of the sample's non-ASCII lines decode in ``codec``."""
    if codec == "utf-8":
        valid, invalid = _utf8_lines(sample)
        return valid >= invalid
    return _decodes(sample, codec)


def _sample(path: Path) -> bytes:
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
        if len(sample) == _SAMPLE_BYTES and b"\n" in sample:
            sample = sample[: sample.rindex(b"\n") + 1]
    return sample


def _first_bad_line(sample: bytes, codec: str) -> int | None:
    for number, raw in enumerate(sample.splitlines(), start=1):
        try:
            raw.decode(codec)
        except UnicodeDecodeError:
            return number
    return None


def file_inspect(
    path: Path, *, name: str = "", encoding: str | None = None, delimiter: str | None = None
) -> FileFormat:
    """Find how ``path`` is read; ``ValidationError`` naming ``file``, ``encoding`` or
    ``delimiter`` when it cannot be.

    ``encoding`` (a key of ``ENCODINGS``) and ``delimiter`` (a key of ``DELIMITERS``)
    are what the user named, if anything; what they leave out is detected.
    """
    sample = _sample(path)
    if not sample.strip():
        raise ValidationError({"file": [_("The file is empty.")]})
    if b"\r" in sample and b"\n" not in sample:
        # Lines ended by a carriage return alone ("CSV (Macintosh)"): read on line feeds,
        # the whole file would be one line.
        raise ValidationError(
            {
                "file": [
                    _(
                        "The file's lines end in carriage returns alone (Excel's "
                        "“CSV (Macintosh)”): save it as “CSV UTF-8” or with "
                        "Windows line endings."
                    )
                ]
            }
        )
    kind = kind_guess(name or path.name, sample)
    guessed = encoding_guess(sample)
    offset = len(_BOM) if sample.startswith(_BOM) else 0
    if encoding is None:
        encoding = guessed
    elif not _mostly_decodes(sample[offset:], ENCODINGS[encoding]):
        line = _first_bad_line(sample[offset:], ENCODINGS[encoding]) or 1
        raise ValidationError(
            {
                "encoding": [
                    _(
                        "Line %(line)d is not valid %(encoding)s text. The file looks like "
                        "%(guess)s: choose that encoding, or save the file as UTF-8."
                    )
                    % {
                        "line": line,
                        "encoding": ENCODING_LABELS[encoding],
                        "guess": ENCODING_LABELS[guessed],
                    }
                ]
            }
        )
    if kind == JSONL:
        if sample[offset:].lstrip().startswith(b"["):
            raise ValidationError(
                {
                    "file": [
                        _(
                            "This is a JSON array; the file must be JSON Lines: one lead "
                            "object per line."
                        )
                    ]
                }
            )
        return FileFormat(kind=JSONL, encoding=encoding, data_offset=offset)
    text = sample[offset:].decode(ENCODINGS[encoding], errors="replace")
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    skipped = text[: text.index(header_line)].count("\n") if header_line else 0
    chosen = _delimiter_choose(header_line, named=delimiter)
    columns = header_validate(next(csv.reader([header_line], delimiter=chosen)))
    # The header's bytes: the blank lines before it and its own line.
    with path.open("rb") as handle:
        handle.seek(offset)
        data_offset = offset
        for _number in range(skipped + 1):
            data_offset += len(handle.readline())
    return FileFormat(
        kind=CSV,
        encoding=encoding,
        delimiter=chosen,
        columns=columns,
        data_offset=data_offset,
        data_line=skipped + 2,
    )


def _known_count(cells: list[str]) -> int:
    return sum(
        1
        for cell in cells
        if cell.strip().lower() in _KNOWN or cell.strip().startswith(ATTRIBUTE_PREFIX)
    )


def _delimiter_choose(header: str, *, named: str | None) -> str:
    """The delimiter that splits the header into the most known column names."""
    splits = {
        character: next(csv.reader([header], delimiter=character))
        for character in DELIMITERS.values()
    }
    best = max(
        splits, key=lambda character: (_known_count(splits[character]), len(splits[character]))
    )
    if named is None:
        return best
    character = DELIMITERS[named]
    if len(splits[character]) == 1 and best != character and len(splits[best]) > 1:
        label = next(key for key, value in DELIMITERS.items() if value == best)
        raise ValidationError(
            {
                "delimiter": [
                    _(
                        'The header "%(header)s" is one column when separated by %(named)s. '
                        "The file seems to be separated by %(found)s: choose that delimiter."
                    )
                    % {
                        "header": header[:200],
                        "named": DELIMITER_LABELS[named],
                        "found": DELIMITER_LABELS[label],
                    }
                ]
            }
        )
    return character


def header_validate(cells: list[str]) -> tuple[str, ...]:
    """The header's column names, as lead fields; ``ValidationError`` on ``file`` if wrong.

    Names are matched ignoring case and surrounding spaces; ``attributes.<key>`` keeps
    its key as written. A column without a name is kept as ``""`` (its cells must be
    empty: Excel adds such columns after the last one).
    """
    columns: list[str] = []
    unknown: list[str] = []
    for cell in cells:
        name = cell.strip()
        if name.startswith(ATTRIBUTE_PREFIX) and len(name) > len(ATTRIBUTE_PREFIX):
            columns.append(name)
        elif name.lower() in _KNOWN or not name:
            columns.append(_KNOWN.get(name.lower(), ""))
        else:
            unknown.append(name)
    fields = ", ".join(SYNC_FIELDS)
    if unknown:
        raise ValidationError(
            {
                "file": [
                    _(
                        "Unknown column(s) in the header: %(columns)s. The columns are the "
                        "lead's fields (%(fields)s) and attributes.<key>."
                    )
                    % {
                        "columns": ", ".join(f'"{name[:64]}"' for name in unknown[:10]),
                        "fields": fields,
                    }
                ]
            }
        )
    if "external_id" not in columns:
        raise ValidationError(
            {"file": [_("The header has no external_id column: each lead needs its id.")]}
        )
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise ValidationError(
            {
                "file": [
                    _("The header names a column twice: %(columns)s.")
                    % {"columns": ", ".join(repeated)}
                ]
            }
        )
    return tuple(columns)


def _binary_lines(path: Path, *, start_offset: int, start_line: int, position: dict):
    """The file's lines from ``start_offset`` as bytes; ``position`` follows the reading.

    A line longer than ``MAX_LINE_BYTES`` is skipped to its end in bounded reads, never
    held whole: it comes as ``_TOO_LONG`` and its number joins ``position["too_long"]``,
    so the planning's count and every chunk's reading agree on it.
    """
    position.setdefault("too_long", set())
    with path.open("rb") as handle:
        handle.seek(start_offset)
        while raw := handle.readline(MAX_LINE_BYTES + 1):
            position["offset"] += len(raw)
            position["line"] += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := handle.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    position["offset"] += len(rest)
                position["offset"] += len(rest)
                position["too_long"].add(position["line"])
                raw = _TOO_LONG
            yield raw


def _too_long() -> dict[str, list[str]]:
    return {
        "non_field_errors": [
            _("This line is longer than %(limit)d bytes.") % {"limit": MAX_LINE_BYTES}
        ]
    }


def records(path: Path, file_format: FileFormat, *, start_offset: int, start_line: int):
    """The records of ``path`` from ``start_offset`` (whose first line is ``start_line``)."""
    if file_format.kind == JSONL:
        return _jsonl_records(path, file_format, start_offset=start_offset, start_line=start_line)
    return _csv_records(path, file_format, start_offset=start_offset, start_line=start_line)


def _not_text(file_format: FileFormat) -> dict[str, list[str]]:
    return {
        "non_field_errors": [
            _(
                "This line is not valid %(encoding)s text: choose the file's encoding, "
                "or save it as UTF-8."
            )
            % {"encoding": ENCODING_LABELS[file_format.encoding]}
        ]
    }


def _jsonl_records(
    path: Path, file_format: FileFormat, *, start_offset: int, start_line: int
) -> Iterator[Record]:
    position = {"offset": start_offset, "line": start_line - 1}
    for raw in _binary_lines(
        path, start_offset=start_offset, start_line=start_line, position=position
    ):
        if not raw.strip():
            continue
        line, end = position["line"], position["offset"]
        try:
            text = raw.decode(file_format.codec)
        except UnicodeDecodeError:
            yield Record(line, end, None, _not_text(file_format))
            continue
        if line in position["too_long"]:
            yield Record(line, end, None, _too_long())
            continue
        try:
            item = json.loads(text)
        except json.JSONDecodeError as error:
            yield Record(
                line, end, None, {"non_field_errors": [_("Not valid JSON: %s") % error.msg]}
            )
            continue
        except RecursionError:
            yield Record(
                line, end, None, {"non_field_errors": [_("Not valid JSON: nested too deeply.")]}
            )
            continue
        yield Record(line, end, item, None)


def _csv_records(
    path: Path, file_format: FileFormat, *, start_offset: int, start_line: int
) -> Iterator[Record]:
    position = {"offset": start_offset, "line": start_line - 1}
    undecodable: set[int] = set()

    def text_lines():
        for raw in _binary_lines(
            path, start_offset=start_offset, start_line=start_line, position=position
        ):
            try:
                yield raw.decode(file_format.codec)
            except UnicodeDecodeError:
                undecodable.add(position["line"])
                yield raw.decode(file_format.codec, errors="replace")

    reader = csv.reader(text_lines(), delimiter=file_format.delimiter)
    while True:
        first_line = position["line"] + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            undecodable.clear()
            yield Record(
                first_line,
                position["offset"],
                None,
                {"non_field_errors": [_("This line cannot be read as CSV: %s") % error]},
            )
            continue
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if position["too_long"].intersection(range(first_line, position["line"] + 1)):
            undecodable.clear()
            yield Record(first_line, position["offset"], None, _too_long())
            continue
        if undecodable:
            undecodable.clear()
            yield Record(first_line, position["offset"], None, _not_text(file_format))
            continue
        item, errors = cells_item(cells, file_format.columns)
        yield Record(first_line, position["offset"], item, errors)


def record_offsets(
    path: Path, file_format: FileFormat, *, every: int
) -> Iterator[tuple[int, int, int]]:
    """``(start offset, start line, records)`` of each run of ``every`` records.

    Reads the file once without validating it: the chunks of a job, and its total.
    """
    start_offset, start_line, count = file_format.data_offset, file_format.data_line, 0
    # The next chunk starts on the line after the record that ends one.
    lines = {"line": file_format.data_line - 1}
    for record in _counting_records(path, file_format, lines=lines):
        count += 1
        if count == every:
            yield start_offset, start_line, count
            start_offset, start_line, count = record.end_offset, lines["line"] + 1, 0
    if count:
        yield start_offset, start_line, count


def _counting_records(path: Path, file_format: FileFormat, *, lines: dict) -> Iterator[Record]:
    """Records without their items: only where each ends (the fast pass of planning)."""
    position = {"offset": file_format.data_offset, "line": file_format.data_line - 1}
    raw_lines = _binary_lines(
        path,
        start_offset=file_format.data_offset,
        start_line=file_format.data_line,
        position=position,
    )
    if file_format.kind == JSONL:
        for raw in raw_lines:
            lines["line"] = position["line"]
            if raw.strip():
                yield Record(position["line"], position["offset"], None, None)
        return
    text = (raw.decode(file_format.codec, errors="replace") for raw in raw_lines)
    reader = csv.reader(text, delimiter=file_format.delimiter)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            cells = ["?"]
        lines["line"] = position["line"]
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        yield Record(position["line"], position["offset"], None, None)


class _NotJson(ValueError):
    pass


def _refuse_constant(constant: str) -> Any:
    raise _NotJson(constant)


def decode_cell(value: str) -> Any:
    """The cell's JSON value; a cell that is not JSON (``NaN`` and ``Infinity`` included,
    which Python's parser would otherwise accept) stays the text it is."""
    if value.lstrip()[:1] not in _JSON_STARTS:  # most cells are text: no parse to fail
        return value
    try:
        return json.loads(value, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, _NotJson, RecursionError):
        return value


def number_cell(value: str) -> str:
    """A number as Excel writes it in comma-decimal locales, as the API takes it."""
    stripped = value.strip()
    if not _NUMBER_MARKS.intersection(stripped):
        return stripped
    if _GROUPED.match(stripped):
        stripped = re.sub(r"[ \u00a0\u202f]", "", stripped)
    if _DECIMAL_COMMA.match(stripped):
        return stripped.replace(",", ".")
    return stripped


def cells_item(cells: list[str], columns: tuple[str, ...]) -> tuple[dict | None, dict | None]:
    """The pushed item of one CSV record, or its errors; empty cells mean "no value"."""
    if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
        return None, {
            "non_field_errors": [
                _("This row has %(cells)d cells; the header has %(columns)d columns.")
                % {"cells": len(cells), "columns": len(columns)}
            ]
        }
    item: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for column, value in zip(columns, cells, strict=False):
        if value == "":
            continue
        if not column:
            if value.strip():
                return None, {
                    "non_field_errors": [_("A value in a column with no name in the header.")]
                }
            continue
        if column.startswith(ATTRIBUTE_PREFIX):
            attributes[column[len(ATTRIBUTE_PREFIX) :]] = decode_cell(value)
        elif column == "attributes":
            decoded = decode_cell(value)
            if not isinstance(decoded, dict):
                return None, {"attributes": [_("Expected a JSON object.")]}
            attributes.update(decoded)
        elif column in _NUMERIC:
            item[column] = number_cell(value)
        else:
            item[column] = value
    if attributes:
        item["attributes"] = attributes
    return item, None
