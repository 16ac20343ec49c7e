"""Tests of khub.disk: contained paths, atomic writes, the data lock, cache keys."""
