"""The tolerant float comparison that nbval runs with (helpers.nbval_floats)."""

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.nbval_floats import align_numbers, align_outputs, numbers_close


@pytest.mark.parametrize(
    "stored, new, close",
    [
        ("0.5988", "0.5989", True),  # a value on the 0.59885 boundary, rounded either side
        ("0.5988", "0.5990", False),  # two units in the last place: a real change
        ("0.668822", "0.668821", True),
        ("-3.09393089e-02", "-3.09392661e-02", True),  # float32 noise at 1e-6 relative
        ("-3.09393089e-02", "-3.09493089e-02", False),
        ("0.599", "0.5989", True),  # printed at different precisions
        ("744", "745", False),  # integers (ranks, counts, ids) must match exactly
        ("744", "744", True),
        ("1.0", "1", True),
        ("-0.0000", "0.0000", True),
        ("0.7133", "0.7140", False),
    ],
)
def test_numbers_close(stored, new, close):
    assert numbers_close(stored, new) is close
    assert numbers_close(new, stored) is close


@given(st.floats(0.0, 1.0, allow_nan=False), st.floats(-2e-6, 2e-6), st.integers(1, 8))
def test_rounding_either_side_of_a_boundary_is_close(value, noise, digits):
    # What another CPU does: the true value moves by ~1e-6 relative, then both are rounded.
    assert numbers_close(f"{value:.{digits}f}", f"{value * (1 + noise):.{digits}f}")


@pytest.mark.parametrize(
    "stored, new, expected",
    [
        ("Score: 0.6688 (rank 1)\n", "Score: 0.6689 (rank 1)\n", "Score: 0.6688 (rank 1)\n"),
        ("Score: 0.6688 (rank 1)\n", "Score: 0.6689 (rank 2)\n", "Score: 0.6689 (rank 2)\n"),
        ("Score: 0.6688 doc-a\n", "Score: 0.6689 doc-b\n", "Score: 0.6689 doc-b\n"),  # other text
        ("0.50 0.25\n", "0.50\n", "0.50\n"),  # a number more or less
        ("top10 0.1234", "top11 0.1234", "top11 0.1234"),  # digits inside words are text
        ('<rect width="120.50"/>', '<rect width="120.51"/>', '<rect width="120.50"/>'),  # SVG geometry
    ],
)
def test_align_numbers_keeps_the_stored_text_only_when_nothing_but_noise_differs(stored, new, expected):
    assert align_numbers(stored, new) == expected


def _stream(text, name="stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_align_outputs_pairs_outputs_of_the_same_kind():
    stored = [_stream("a 0.1234\n"), nbformat.v4.new_output("execute_result", data={"text/plain": "0.5988"})]
    new = [_stream("a 0.1235\n"), nbformat.v4.new_output("execute_result", data={"text/plain": "0.5989"})]
    aligned = align_outputs(new, stored)
    assert aligned[0]["text"] == "a 0.1234\n" and aligned[0].name == "stdout"
    assert aligned[1]["data"]["text/plain"] == "0.5988"
    # stderr is not paired with stdout, and an extra output stays as computed
    assert align_outputs([_stream("a 0.1235\n", "stderr")], stored)[0]["text"] == "a 0.1235\n"
    assert align_outputs(new + [_stream("extra 0.1\n")], stored)[2]["text"] == "extra 0.1\n"


def test_nbval_passes_noise_and_still_fails_a_real_change(pytester):
    """Run nbval on a notebook whose stored output differs from a re-run by noise, then by a real change."""
    def notebook(stored_text):
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("print('score 0.5988 rank 3')")
        cell.outputs = [_stream(stored_text)]
        cell.execution_count = 1
        nb.cells = [cell]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        return nbformat.writes(nb)

    pytester.makefile(".ipynb", noise=notebook("score 0.5989 rank 3\n"), change=notebook("score 0.5979 rank 3\n"))
    result = pytester.runpytest_subprocess("-p", "helpers.nbval_floats", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*change.ipynb::Cell 0*"])
