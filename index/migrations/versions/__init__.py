"""One file per schema change, chained by ``down_revision``."""
