"""khub's test suite: one folder per stage subpackage of scripts/khub/, plus the shared kit."""
