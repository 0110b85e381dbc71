"""The shared formatting helpers: one notion of a missing figure, one Markdown table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from monitor.formatting import missing


def test_missing_covers_none_nan_and_pandas_na_but_not_zero() -> None:
    frame = pd.DataFrame({"n": pd.array([3, None], dtype="Int64"), "x": [0.0, np.nan]})
    assert [
        missing(v) for v in (None, float("nan"), pd.NA, frame.at[1, "n"], frame.at[1, "x"])
    ] == [True] * 5
    assert [missing(v) for v in (0, 0.0, frame.at[0, "n"], frame.at[0, "x"], "", "–")] == [
        False
    ] * 6
