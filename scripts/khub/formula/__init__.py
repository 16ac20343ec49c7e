"""The one formula language: parse, units, ranges, evaluate, and its compiled form."""
