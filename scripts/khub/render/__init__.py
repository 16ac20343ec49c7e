"""Render modules: sandboxed Jinja, fact elements, sanitising, pages, charts."""
