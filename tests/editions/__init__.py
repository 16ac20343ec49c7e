"""Tests of khub.editions: publishing, verifying, git anchoring and diffs."""
