"""khub: versioned facts → re-checked monthly → rendered into a knowledge hub."""

__version__ = "0.1.0"
