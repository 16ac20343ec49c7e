"""Tests of khub.site: generate, mkdocs builds, serving and hostile inputs."""
