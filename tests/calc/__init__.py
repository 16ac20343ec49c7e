"""Tests of khub.calc: calculator specs, their export and number display."""
