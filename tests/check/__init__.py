"""Tests of khub.check: fetching, extraction, the run, its report and write-back."""
