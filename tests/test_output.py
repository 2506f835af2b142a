import io
import json

from listener.output import safe_cell, write

HOSTILE = "[bold red]x[/] \x1b[31mred\x1b[0m \u202eevil <script>alert(1)</script>"


def test_table_cell_is_inert() -> None:
    cell = safe_cell(HOSTILE)
    assert "\x1b" not in cell.plain and "\u202e" not in cell.plain
    assert "[bold red]x[/]" in cell.plain  # shown literally, not as markup
    assert cell.spans == []


def test_table_output_shows_markup_literally() -> None:
    out = io.StringIO()
    write([{"text": HOSTILE}], "table", out, columns=["text"])
    assert "[bold red]x[/]" in out.getvalue()
    assert "\x1b[31m" not in out.getvalue()


def test_json_jsonl_csv_keep_text_verbatim() -> None:
    rows = [{"text": HOSTILE, "topics": ["a", "b"]}]
    for fmt in ("json", "jsonl"):
        out = io.StringIO()
        write(rows, fmt, out, columns=["text", "topics"])
        parsed = (
            json.loads(out.getvalue())
            if fmt == "json"
            else json.loads(out.getvalue().splitlines()[0])
        )
        assert (parsed[0] if fmt == "json" else parsed)["text"] == HOSTILE
    out = io.StringIO()
    write(rows, "csv", out, columns=["text", "topics"])
    assert HOSTILE in out.getvalue() and '""a""' in out.getvalue()


def test_empty_json_is_an_empty_array() -> None:
    out = io.StringIO()
    assert write([], "json", out, columns=["text"]) == 0
    assert json.loads(out.getvalue()) == []
