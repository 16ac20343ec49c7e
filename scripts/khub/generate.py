"""Generate build/docs: render every page in memory, then write only the bytes that changed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from khub.cachedir import cache_root
from khub.content import ModuleSource, read_modules
from khub.elements import Freshness
from khub.errors import DataError, Problem
from khub.escape import md_text
from khub.load import today_default
from khub.manifest import Fingerprints, Manifest, digest
from khub.model import FactSet
from khub.pages import ModuleInfo, front, site_pages
from khub.render import Helper, Rendered, Renderer, RenderError
from khub.sandbox import Limits
from khub.settings import load_settings

BUILD_DOCS = "build/docs"
ASSETS_DIR = "templates/assets"
NO_EDITION = "working draft"
RESERVED_SERIES = frozenset({"index", "derived"})

Preamble = Callable[[str, frozenset[str]], str]
ExtraFiles = Callable[[FactSet], dict[str, bytes]]


@dataclass(frozen=True)
class GenerateResult:
    """What a generate run did: files written and deleted, modules rendered and reused."""

    out_dir: Path
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    rendered: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)


def generate(
    root: Path,
    factset: FactSet,
    *,
    helpers: Mapping[str, Helper] | None = None,
    module_preamble: Preamble | None = None,
    extra_files: Sequence[ExtraFiles] = (),
    today: dt.date | None = None,
    out_dir: Path | None = None,
    cache: bool = True,
) -> GenerateResult:
    """Render the hub at root into build/docs; raise DataError and write nothing on failure."""
    root = Path(root)
    settings = load_settings(root)
    freshness = Freshness(today or today_default(), settings.stale_after_days)
    modules, problems = read_modules(root)
    problems += _series_problems(factset)
    cache_dir = cache_root(root) if cache else None
    renderer = Renderer(
        root,
        factset,
        freshness,
        helpers=helpers,
        cache_dir=cache_dir / "jinja" if cache_dir else None,
        limits=Limits.from_settings(settings),
    )
    manifest = Manifest.load(cache_dir / "generate" / "manifest.json" if cache_dir else None)
    renders, rendered, reused = _render_modules(root, modules, renderer, manifest, problems)
    if problems:
        raise DataError(problems)
    edition = latest_edition(root)
    infos = [_info(m, renders[m.id], edition) for m in modules]
    files = _module_files(modules, renders, module_preamble)
    files.update(site_pages(factset, infos, settings, freshness, edition))
    files.update(read_assets(root))
    _add_extra(files, extra_files, factset)
    out = out_dir or root / BUILD_DOCS
    written, deleted, unchanged = write_tree(out, files)
    manifest.save({m.id for m in modules})
    return GenerateResult(out, written, deleted, unchanged, rendered, reused)


def _series_problems(factset: FactSet) -> list[Problem]:
    return [
        Problem(
            f"data/facts/{sid}", 0, f"series id '{sid}' is reserved for a page", "rename the series"
        )
        for sid in factset.series
        if sid in RESERVED_SERIES
    ]


def _render_modules(
    root: Path,
    modules: list[ModuleSource],
    renderer: Renderer,
    manifest: Manifest,
    problems: list[Problem],
) -> tuple[dict[str, Rendered], list[str], list[str]]:
    prints = Fingerprints(renderer.factset, renderer.freshness)
    base = _base_key(root, renderer)
    renders: dict[str, Rendered] = {}
    rendered: list[str] = []
    reused: list[str] = []
    for module in modules:
        key = digest(base, module.path, module.text)
        previous = manifest.reuse(module.id, key, prints, renderer)
        if previous is not None:
            renders[module.id] = previous
            reused.append(module.id)
            continue
        try:
            result = renderer.render(f"{module.id}.md", f"{module.id}.md")
        except RenderError as exc:
            problems.append(exc.problem)
            continue
        renders[module.id] = result
        rendered.append(module.id)
        manifest.record(module.id, key, result, prints)
    return renders, rendered, reused


def _base_key(root: Path, renderer: Renderer) -> str:
    code = Path(__file__).parent
    sources = [code / f"{name}.py" for name in _RENDER_CODE]
    templates = root / "templates"
    partials = [p for p in sorted(templates.rglob("*")) if p.is_file() and "assets" not in p.parts]
    parts: list[str | bytes] = [p.read_bytes() for p in sources]
    parts += [item for p in partials for item in (p.as_posix(), p.read_bytes())]
    parts += [str(renderer.freshness.stale_after_days), json.dumps(sorted(renderer.extra))]
    parts.append(repr(renderer.limits))  # a lowered limit must re-check every page
    return digest(*parts)


_RENDER_CODE = (
    "render",
    "sandbox",
    "elements",
    "escape",
    "fmt",
    "content",
    "manifest",
    "units",
    "model",
)


def latest_edition(root: Path) -> str:
    """Return the id of the newest published edition in data/editions/, if any."""
    editions = sorted(p.stem for p in (root / "data" / "editions").glob("*.yml"))
    return editions[-1] if editions else NO_EDITION


def _info(module: ModuleSource, rendered: Rendered, edition: str) -> ModuleInfo:
    usage = rendered.usage
    return ModuleInfo(
        source=module,
        edition=module.meta.edition or edition,
        facts=tuple(usage.facts),
        sources=tuple(usage.sources),
    )


def _module_files(
    modules: list[ModuleSource], renders: dict[str, Rendered], preamble: Preamble | None
) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for module in modules:
        rendered = renders[module.id]
        top = preamble(module.id, frozenset(rendered.usage.facts)) if preamble else ""
        files[f"{module.id}.md"] = module_page(module, rendered.body, top).encode("utf-8")
    return files


def module_page(module: ModuleSource, body: str, preamble: str = "") -> str:
    """Return a module page: front matter, title, the preamble, then the rendered body."""
    meta = module.meta
    head = front(meta.title, meta.summary) + f"# {md_text(meta.title)}"
    parts = [head, preamble.strip("\n"), body.strip("\n")]
    return "\n\n".join(p for p in parts if p) + "\n"


def read_assets(root: Path) -> dict[str, bytes]:
    """Return templates/assets/** as files under assets/."""
    assets = root / ASSETS_DIR
    return {
        "assets/" + p.relative_to(assets).as_posix(): p.read_bytes()
        for p in sorted(assets.rglob("*"))
        if p.is_file()
    }


def _add_extra(files: dict[str, bytes], extra: Sequence[ExtraFiles], factset: FactSet) -> None:
    for make in extra:
        for rel, data in make(factset).items():
            path = PurePosixPath(rel)
            if path.is_absolute() or ".." in path.parts or not path.parts:
                raise DataError([Problem(rel, 0, "extra file path leaves build/docs", "")])
            if rel in files:
                raise DataError([Problem(rel, 0, "extra file would replace a generated page", "")])
            files[rel] = data


def write_tree(out: Path, files: Mapping[str, bytes]) -> tuple[list[str], list[str], int]:
    """Write files under out when their bytes differ; delete files no longer generated."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for rel, data in sorted(files.items()):
        path = out / rel
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".khub-tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        written.append(rel)
    deleted = _delete_stale(out, files)
    return written, deleted, len(files) - len(written)


def _delete_stale(out: Path, files: Mapping[str, bytes]) -> list[str]:
    deleted: list[str] = []
    for path in sorted(out.rglob("*"), reverse=True):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and rel not in files:
            path.unlink()
            deleted.append(rel)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return sorted(deleted)
