"""Tests of khub.disk: the data lock and the cache folder's keys."""
