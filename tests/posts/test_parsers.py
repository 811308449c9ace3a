from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from posts.parsers import UnreadableFile, parse

FIXTURES = Path(__file__).parent / "fixtures"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_linkedin_shares_csv_with_bom_crlf_multiline_commentary_and_emoji():
    parsed = parse(read("Shares.csv"))
    assert parsed.format == "linkedin"
    assert [row.number for row in parsed.rows] == [1, 2, 3, 4]
    first = parsed.rows[0].values
    assert first["text"].startswith("I fired my best client last year.\n\nIt was the scariest")
    assert '"no time"' in first["text"] and "😅" in first["text"] and "\r" not in first["text"]
    assert first["posted_at"] == "2024-03-05 08:14:22"
    assert first["external_ref"].startswith("https://www.linkedin.com/feed/update/")


def test_x_archive_skips_retweets_and_decodes_entities():
    parsed = parse(read("tweets.js"))
    assert parsed.format == "x"
    first, retweet, third = parsed.rows
    assert "feedback we never get & a week" in first.values["text"]
    assert first.values["likes"] == "42" and first.values["reposts"] == "7"
    assert first.values["external_ref"] == "https://x.com/i/web/status/1050118621198921728"
    assert retweet.skipped and not third.skipped
    assert parsed.notes == ["1 retweets skipped."]


def test_csv_with_renamed_columns_and_semicolons():
    parsed = parse(read("renamed_columns.csv"))
    assert parsed.format == "csv"
    values = parsed.rows[0].values
    assert values["impressions"] == "1200" and values["likes"] == "80"
    assert values["comments"] == "12" and values["reposts"] == "5"
    assert values["posted_at"] == "2024-05-01"


def test_json_array_and_object_wrapper():
    parsed = parse(read("posts.json"))
    assert parsed.format == "json" and len(parsed.rows) == 4
    assert parsed.rows[0].values["posted_at"] == "2024-04-01T09:00:00Z"
    assert parsed.rows[3].values == {"_not_an_object": "int"}
    wrapped = parse(b'{"posts": ["A post given as a bare string, long enough to be accepted."]}')
    assert wrapped.rows[0].values["text"].startswith("A post given")


def test_pasted_posts_separated_by_dashes():
    parsed = parse(b"First post line one\nline two\n---\nSecond post\n  ---  \n\nThird\n")
    assert parsed.format == "paste"
    assert [r.values["text"] for r in parsed.rows] == [
        "First post line one\nline two",
        "Second post",
        "Third",
    ]


def test_zip_archives_from_linkedin_and_x_are_opened():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Basic_LinkedInDataExport/Shares.csv", read("Shares.csv"))
        archive.writestr("Basic_LinkedInDataExport/Profile.csv", b"First Name\nAna\n")
    assert parse(buffer.getvalue()).format == "linkedin"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"   \n\n", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "This is a PNG image"),
        (b"%PDF-1.7\n", "This is a PDF document"),
        (b"abc\x00\x01\x02", "This is a binary file"),
        (b"PK\x03\x04garbage", "The zip archive is damaged."),
        (b'[{"text": "unterminated"', "The JSON is not valid (line 1"),
        (b"window.YTD.tweets.part0 = {}", "no list of tweets"),
    ],
)
def test_unreadable_files_say_why(data, message):
    with pytest.raises(UnreadableFile, match=re.escape(message)):
        parse(data)


def test_csv_without_a_text_column_names_the_columns_found():
    with pytest.raises(UnreadableFile, match=r"No column with the post text.*Columns found: a, b"):
        parse(b"a,b\n1,2\n", "csv")


def test_windows_1252_and_utf16_are_decoded():
    text = 'text\n"Caf\xe9 culture and startups: a long enough post to be imported."\n'
    assert "Café" in parse(text.encode("cp1252"), "csv").rows[0].values["text"]
    assert "Café" in parse(text.encode("utf-16"), "csv").rows[0].values["text"]


def test_csv_is_recognised_by_its_header_even_with_one_or_unknown_columns():
    from posts import parsers
    from posts.rules import check_post

    one_column = parsers.parse(b"text\nFirst post here.\nSecond post here.\n")
    assert one_column.format == "csv" and len(one_column.rows) == 2
    unknown = b"Words,When\nHello there,2024-01-01\nAnother,2024-01-02\nThird,2024-01-03\n"
    with pytest.raises(parsers.UnreadableFile, match="Columns found: Words, When"):
        parsers.parse(unknown)
    prose = b"Hello, world. This is a post.\n\nI think, therefore I am, and more, here.\n"
    assert parsers.parse(prose).format == "paste"
    # Short-form platforms take any post; LinkedIn keeps its minimum.
    assert check_post({"text": "gm, builders"}, platform="x", timezone="UTC").ok
    assert not check_post({"text": "gm, builders"}, platform="linkedin", timezone="UTC").ok
