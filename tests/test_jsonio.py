"""JSON files read as untrusted input: regular files only, a size cap, one-line errors."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn2poly
from nn2poly._jsonio import MAX_JSON_BYTES, JSONFileError, read_json, write_json


def one_line(error: pytest.ExceptionInfo[BaseException], path: object) -> None:
    message = str(error.value)
    assert "\n" not in message and os.fspath(path) in message  # type: ignore[arg-type]


def test_round_trip_is_exact(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = {"a": [0.1, -0.0, 5e-324, 1.7976931348623157e308], "b": "âç"}
    write_json(tmp_path / "x.json", data)
    assert read_json(tmp_path / "x.json") == data
    assert MAX_JSON_BYTES == 256 * 2**20


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_symlink_to_a_device_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(JSONFileError, match="not a regular file") as error:
        read_json(link)
    one_line(error, link)
    with pytest.raises(ValueError, match="not a regular file"):
        nn2poly.Polynomial.load(link)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(JSONFileError, match="not a regular file"):
        read_json(fifo)


def test_directory_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "folder.json"
    folder.mkdir()
    with pytest.raises((JSONFileError, IsADirectoryError), match="directory"):
        read_json(folder)


def test_symlink_to_a_regular_file_is_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "real.json").write_text("[1]")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    assert read_json(tmp_path / "link.json") == [1]


def test_size_cap(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(list(range(100))))
    assert len(read_json(path, max_bytes=1000)) == 100
    with pytest.raises(JSONFileError, match="larger than the limit of 100 bytes") as error:
        read_json(path, max_bytes=100)
    one_line(error, path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b"\xff\xfe[1]", "not UTF-8"),
        (b"{", "not valid JSON"),
        (b"1" * 5000, "not valid JSON"),  # more digits than Python converts
        (b"", "not valid JSON"),
    ],
    ids=["deep", "utf16", "truncated", "huge-int", "empty"],
)
def test_bad_content_is_one_value_error(tmp_path, content: bytes, reason: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(JSONFileError, match=reason) as error:
        read_json(path)
    one_line(error, path)
    assert isinstance(error.value, ValueError)


def test_missing_file_is_an_os_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FileNotFoundError, match="No such file"):
        read_json(tmp_path / "absent.json")


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda text: text.encode("utf-8")),
        st.sampled_from([b"[" * 5000, b'{"format": "nn2poly.polynomial"}', b"1e999", b"NaN"]),
    )
)
def test_polynomial_load_of_any_bytes_is_a_polynomial_or_a_clear_error(content: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "p.json")
        with open(path, "wb") as handle:
            handle.write(content)
        try:
            nn2poly.Polynomial.load(path)
        except (ValueError, TypeError) as exc:
            assert str(exc) and "\n" not in str(exc)
