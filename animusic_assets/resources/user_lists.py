"""Real users' anime lists for the offline evaluation and the hybrid model's tuning."""

from pathlib import Path

import dagster as dg
import pandas as pd

from animusic_assets.core.evaluation.split import read_user_lists, synthetic_user_lists


class UserListsResource(dg.ConfigurableResource):
    """A CSV of ``user_id, mal_id, rating`` (e.g. ``../shared/data/user_lists_dev.csv``).

    When ``path`` is empty or the file is absent, seeded synthetic users stand in, so the
    evaluation runs anywhere; the asset's metadata says which was used.
    """

    path: str = ""
    synthetic_users: int = 300

    def load(self, catalog: pd.DataFrame) -> tuple[pd.DataFrame, str]:
        if self.path and Path(self.path).is_file():
            return read_user_lists(self.path), f"real lists from {self.path}"
        lists = synthetic_user_lists(catalog, n_users=self.synthetic_users)
        reason = f"{self.path} is absent" if self.path else "no user list file configured"
        return lists, f"synthetic users ({reason})"
