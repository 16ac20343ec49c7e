"""The monthly re-check: fetch each source once (`http`), extract values (`extract`)."""
