"""Tests of khub.data: loading, validation, YAML safety, schemas and decision rules."""
