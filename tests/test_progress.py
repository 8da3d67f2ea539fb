"""helpers.progress: bars honour show= and TQDM_DISABLE, including in notebooks where tqdm ignores it."""

import pytest

from helpers.progress import progress_bar


@pytest.mark.parametrize(("show", "env", "disabled"), [(True, None, False), (True, "1", True), (True, "0", False),
                                                       (True, "false", False), (False, None, True)])
def test_bars_follow_the_caller_and_the_environment(monkeypatch, show, env, disabled):
    if env is None:
        monkeypatch.delenv("TQDM_DISABLE", raising=False)
    else:
        monkeypatch.setenv("TQDM_DISABLE", env)
    with progress_bar(range(3), show=show, desc="x") as bar:
        assert bar.disable is disabled
        assert list(bar) == [0, 1, 2]


def test_a_bar_that_is_off_counts_like_one_and_imports_no_tqdm(monkeypatch):
    import sys

    monkeypatch.setenv("TQDM_DISABLE", "1")
    monkeypatch.delitem(sys.modules, "tqdm.auto", raising=False)
    with progress_bar(total=3, desc="x") as bar:
        bar.update(2)
        bar.close()
    assert bar.disable and list(progress_bar(iter("ab"))) == ["a", "b"] and list(progress_bar()) == []
    assert "tqdm.auto" not in sys.modules
