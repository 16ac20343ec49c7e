"""Read, validate and model the hub's data/: files, records, problems, derived facts."""
