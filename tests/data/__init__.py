"""Tests of the fact store: bad input, formulas, units and YAML safety."""
