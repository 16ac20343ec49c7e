"""Tests in a real Chromium (marked browser): calculators and charts on the built hub."""
