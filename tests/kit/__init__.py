"""The shared test kit: fixture hubs, the CLI runners, loopback servers, git and tree helpers.

Modules: `paths` (where the repository and its fixtures are), `hubs` (copies of the small
fixture hub and of the repository's own hub), `editions` (the small written hub and its
three published editions), `checkhub` (the check fixture hub served on loopback), `cli`
(`khub` in a subprocess or in this process), `server` (the loopback HTTP server fixtures,
a plugin loaded by tests/conftest.py), `git` (test repositories) and `tree` (digests and
snapshots of folders). What only one test folder needs stays in that folder's conftest
or kit module.
"""
