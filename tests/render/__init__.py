"""Tests of khub.render: templates, bounds, display, charts, usage and what-changed."""
