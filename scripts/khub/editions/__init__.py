"""Editions: snapshot, diff, publish, verify, and the pull-request report."""
