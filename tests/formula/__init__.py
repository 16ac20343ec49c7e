"""Tests of khub.formula: the formula language and its compiled form."""
