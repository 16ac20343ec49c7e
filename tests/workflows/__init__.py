"""Tests of the GitHub workflows: actionlint and the monthly re-check."""
