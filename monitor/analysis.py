"""Pure functions over snapshot frames: families, weeks, shares, ranks, changes, verdicts.

Nothing here reads the clock, the database or the network: every input is a parameter, so
every number in a report can be recomputed by hand from the same rows.
"""

from __future__ import annotations

import pandas as pd

from .config import Config


def classify_frame(frame: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Attach `family` and `origin` as the config says today.

    A model the config no longer matches keeps the family it was stored with if that family
    still exists (e.g. an explicitly listed model that the Hub has since renamed).
    """
    out = frame.copy()
    origins = {f.id: f.origin for f in config.families}
    stored = dict(zip(out["model_id"], out.get("family", pd.Series(dtype=object)), strict=False))
    mapping: dict[str, str | None] = {}
    for model_id in out["model_id"].unique():
        family = config.classify(model_id)
        if family is not None:
            mapping[model_id] = family.id
        else:
            previous = stored.get(model_id)
            mapping[model_id] = previous if previous in origins else None
    out["family"] = out["model_id"].map(mapping)
    out["origin"] = out["family"].map(origins)
    return out
