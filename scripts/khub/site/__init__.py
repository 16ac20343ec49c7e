"""Generate build/docs and run the site builder."""
