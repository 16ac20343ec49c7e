"""The builder's khub plugin: put the hub's brand and module order into Material's theme.

`khub generate` writes build/docs/assets/hub/.theme.json (khub.site.brand); this plugin,
which mkdocs.yml lists as `khub`, reads it from the docs folder being built and sets:

- the site name (data/hub.yml `title`), escaped once, as Material inserts it raw;
- the logo and favicon (assets/hub/logo.*), and no "Made with Material" line;
- `extra.khub_footer`: the footer's publisher, contact, copyright line and disclaimer, which
  templates/overrides/partials/copyright.html shows escaped;
- previous and next links between module pages, in their `order`, which Material's footer
  shows (modules are not in the sidebar: listing them on every page would make the site
  grow with the square of their number);
- one search entry per fact (khub.site.search), added to the theme's search index just
  before the theme writes it.

A builder that runs no plugins (Zensical) builds the same pages with mkdocs.yml's name and
Material's defaults. Without the file (a docs folder khub did not write) nothing changes.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from markupsafe import Markup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from pydantic import ValidationError

from khub.site.brand import THEME_JSON, ThemeSettings
from khub.site.search import index_facts


def read_theme(docs_dir: Path) -> ThemeSettings | None:
    """Return the theme settings khub generated into docs_dir, None when there are none."""
    path = docs_dir / THEME_JSON
    if path.is_symlink() or not path.is_file():
        return None
    try:
        return ThemeSettings.model_validate_json(path.read_bytes())
    except ValidationError:
        return None


class ThemePlugin(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """Apply build/docs/assets/hub/.theme.json to the configuration and the navigation."""

    theme: ThemeSettings | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Set the site name, logo, favicon and footer from the generated theme settings."""
        self.theme = theme = read_theme(Path(config.docs_dir))
        if theme is None:
            return config
        config.site_name = Markup(html.escape(theme.site_name))  # noqa: S704 - escaped here
        if theme.logo is not None:
            config.theme["logo"] = theme.logo
            config.theme["favicon"] = theme.logo
        config.extra["generator"] = False
        config.extra["khub_footer"] = footer_context(theme)
        return config

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation:
        """Link each module page to the one before and after it in reading order."""
        if self.theme is None:
            return nav
        pages = [files.get_file_from_path(path) for path in self.theme.modules]
        chain = [file.page for file in pages if file is not None and file.page is not None]
        for before, page, after in zip([None, *chain[:-1]], chain, [*chain[1:], None], strict=True):
            page.previous_page, page.next_page = before, after
        return nav

    @event_priority(100)  # before the search plugin's, which writes the index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Give every fact of the generated facts API its search entry."""
        index_facts(config)


def footer_context(theme: ThemeSettings) -> dict[str, Any]:
    """Return the footer's values for the copyright partial (escaped there, not here)."""
    contact = theme.contact
    label = contact.removeprefix("mailto:") if contact else None
    return {
        "publisher": theme.publisher,
        "contact": contact,
        "contact_label": label.removeprefix("https://").rstrip("/") if label else None,
        "copyright": theme.copyright,
        "disclaimer": theme.disclaimer,
    }
