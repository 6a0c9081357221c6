"""A study resumes from the files an interruption leaves: cut lines and partly written runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nn2poly.study import StudyConfig, load_coefficients, load_results, run_study
from nn2poly.study._storage import complete_rows, finished_runs, repair

TIMES = ["train_seconds", "convert_seconds"]


def three_conversions(repetitions: int = 2) -> StudyConfig:
    return StudyConfig(
        "torn",
        data={"n_features": 2, "n": 40, "noise_sd": 0.05},
        network={"width": 3, "epochs": 1, "batch_size": 16, "learning_rate": 0.01},
        grid={"activation": ["tanh", "softplus"]},
        conversions=[
            {"max_order": 2, "taylor_order": 3},
            {"max_order": 2, "taylor_order": 5},
            {"max_order": 3, "taylor_order": 5},
        ],
        repetitions=repetitions,
        seed=11,
    )


def numbers(directory: Path) -> pd.DataFrame:
    frame = load_results(directory).drop(columns=TIMES)
    return frame.sort_values(["run_id", "conversion"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("reference")
    run_study(three_conversions(), directory, backend="serial")
    return directory


def copy_study(source: Path, target: Path) -> Path:
    target.mkdir()
    for path in source.iterdir():
        if path.is_file():
            (target / path.name).write_bytes(path.read_bytes())
    return target


def assert_each_row_once(directory: Path, n_runs: int) -> None:
    """Every run in results.csv (the file itself, not only the reader) once, conversions 0, 1, 2."""
    raw = pd.read_csv(directory / "results.csv")
    assert len(raw) == 3 * n_runs
    assert not raw.duplicated(["run_id", "conversion"]).any()
    frame = load_results(directory)
    assert len(frame) == 3 * n_runs and not frame.duplicated(["run_id", "conversion"]).any()
    coefficients = load_coefficients(directory)
    assert not coefficients.duplicated(["run_id", "conversion", "term"]).any()


@pytest.mark.parametrize("keep", [",", ",0.", ""])
def test_a_last_line_cut_anywhere_is_repaired_before_it_is_read(
    reference: Path, tmp_path: Path, keep: str
) -> None:
    directory = copy_study(reference, tmp_path / "study")
    path = directory / "results.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    last = lines[-1].rstrip(b"\r\n")
    cut = last[: last.rfind(b",")] + keep.encode()  # e.g. right after the final comma
    path.write_bytes(b"".join(lines[:-1]) + cut)
    # readers ignore the cut line: the last run has 2 of its 3 rows, so it is not finished
    assert len(load_results(directory)) == 3 * 3
    assert len(finished_runs(directory)) == 3
    result = run_study(three_conversions(), directory, backend="serial")
    assert (result.n_done_before, result.n_new) == (3, 1)
    assert_each_row_once(directory, 4)
    pd.testing.assert_frame_equal(numbers(directory), numbers(reference))


def test_a_partly_written_run_is_written_again_in_full_once(
    reference: Path, tmp_path: Path
) -> None:
    directory = copy_study(reference, tmp_path / "study")
    path = directory / "results.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    torn = rows[3:5]  # the first 2 of the 3 rows of the second run
    path.write_bytes(header + b"".join(rows[:3] + rows[6:] + torn))
    assert len(load_results(directory)) == 3 * 3  # the partial run is not counted
    result = run_study(three_conversions(), directory, backend="serial")
    assert (result.n_done_before, result.n_new) == (3, 1)
    assert_each_row_once(directory, 4)
    pd.testing.assert_frame_equal(numbers(directory), numbers(reference))
    again = run_study(three_conversions(), directory, backend="serial")
    assert again.n_new == 0
    assert_each_row_once(directory, 4)


def test_a_file_with_a_run_written_twice_is_read_once(reference: Path, tmp_path: Path) -> None:
    directory = copy_study(reference, tmp_path / "study")
    path = directory / "results.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    # an older run: 2 rows of run 1, then run 1 again in full (as an older version appended it)
    path.write_bytes(b"".join(lines[:1] + lines[4:6] + lines[1:]))
    assert len(pd.read_csv(path)) == 14
    pd.testing.assert_frame_equal(numbers(directory), numbers(reference))
    repair(directory)
    assert len(pd.read_csv(path)) == 12


def test_an_interrupted_write_then_more_repetitions(reference: Path, tmp_path: Path) -> None:
    directory = copy_study(reference, tmp_path / "study")
    path = directory / "results.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 7])  # the last line loses its last 7 bytes
    result = run_study(three_conversions(3), directory, backend="serial")
    assert (result.n_done_before, result.n_new) == (3, 3)
    assert_each_row_once(directory, 6)


def test_complete_rows_keeps_the_last_complete_write_of_each_run() -> None:
    header = ["run_id", "conversion", "n_conversions", "value"]
    rows = [
        ["a", "0", "2", "1"],
        ["a", "1", "2", "2"],  # complete
        ["b", "0", "2", "3"],  # partial: b's next write starts again at conversion 0
        ["b", "0", "2", "4"],
        ["b", "1", "2", "5"],  # complete
        ["c", "1", "2", "6"],  # no conversion 0 before it
        ["a", "0", "2", "7"],
        ["a", "1", "2", "8"],  # a written again: the last write counts
        ["d", "0", "2", "9"],
        ["d", "1", "3", "10"],  # n_conversions disagree
        ["e", "0", "x", "11"],
        ["e", "0"],  # malformed
    ]
    kept = complete_rows(header, rows)
    assert [row[3] for row in kept] == ["4", "5", "7", "8"]


def test_repair_leaves_a_whole_file_as_it_is(reference: Path, tmp_path: Path) -> None:
    directory = copy_study(reference, tmp_path / "study")
    before = {path.name: path.read_bytes() for path in directory.iterdir()}
    repair(directory)
    assert {path.name: path.read_bytes() for path in directory.iterdir()} == before


def test_a_folder_with_a_foreign_or_huge_configuration_is_refused(tmp_path: Path) -> None:
    from nn2poly.study._storage import read_config

    (tmp_path / "config.json").write_text('{"name": "s"' + " " * (1 << 20) + "}")
    with pytest.raises(ValueError, match="not the configuration of a study"):
        read_config(tmp_path)
    (tmp_path / "config.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="not the configuration of a study"):
        run_study(three_conversions(1), tmp_path, backend="serial")
