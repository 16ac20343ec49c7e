"""Tests of khub.cli: the commands, their help, exit codes and messages."""
