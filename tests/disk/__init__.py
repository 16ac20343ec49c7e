"""Tests of khub.disk: files on disk."""
