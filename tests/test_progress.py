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
