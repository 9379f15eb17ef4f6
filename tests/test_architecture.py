"""The package layout holds: imports between gancli's packages point one way (no cycles), and the
store (the format, the zoo, the Hub) stands below the engine, the CLI, the metrics and the
latent tools. Every import counts, those inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

import gancli

PACKAGE = Path(gancli.__file__).resolve().parent
STORE = "gancli.store"
BELOW = ("gancli.engine", "gancli.cli", "gancli.metrics", "gancli.latent")


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module of gancli by dotted name (the curated zoo's build script is not one)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        if "curated" in rel.parts:
            continue
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The gancli modules that module `name` imports anywhere in its source."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from pkg import mod` imports pkg and pkg.mod; `from mod import name` only mod
            targets = [prefix] + [f"{prefix}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def group(module: str) -> str:
    """A module's package: its first two dotted components (gancli.store, gancli.cli, ...);
    a top-level module such as gancli.render is its own."""
    return ".".join(module.split(".")[:2])


def package_graph() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """package -> imported package -> the (module, module) imports that make the arrow."""
    known = modules()
    graph: dict[str, dict[str, list[tuple[str, str]]]] = {group(m): {} for m in known}
    for name, path in known.items():
        for target in imported(name, path, known):
            if group(target) != group(name):
                graph[group(name)].setdefault(group(target), []).append((name, target))
    return graph


def cycles(graph: dict[str, dict[str, list[tuple[str, str]]]]) -> list[list[str]]:
    """The sets of packages that import each other: strongly connected components with more
    than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def loop(graph: dict[str, dict[str, list[tuple[str, str]]]], comp: list[str]) -> list[str]:
    """The shortest closed path from the component's first package back to it."""
    start, inside = comp[0], set(comp)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v]):
                if w == start:
                    return paths[v] + [start]
                if w in inside and w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    return comp


def explain(graph: dict[str, dict[str, list[tuple[str, str]]]], comp: list[str]) -> str:
    """The cycle by name, and every import between its packages (one example module each)."""
    lines = [f"{', '.join(comp)} import each other: {' -> '.join(loop(graph, comp))}"]
    for a in comp:
        for b in sorted(set(graph[a]) & set(comp)):
            module, target = graph[a][b][0]
            more = len(graph[a][b]) - 1
            lines.append(
                f"  {a} -> {b}: {module} imports {target}" + (f" (+{more} more)" if more else "")
            )
    return "\n".join(lines)


def test_no_import_cycle_between_packages():
    graph = package_graph()
    found = cycles(graph)
    assert not found, "import cycles between packages:\n" + "\n".join(
        explain(graph, comp) for comp in found
    )


def test_the_store_imports_nothing_above_it():
    known = modules()
    bad = sorted(
        (name, target)
        for name, path in known.items()
        if group(name) == STORE
        for target in imported(name, path, known)
        if group(target) in BELOW
    )
    assert not bad, "the store imports what stands above it:\n" + "\n".join(
        f"  {name} imports {target}" for name, target in bad
    )


def test_the_engine_does_not_reach_the_zoo():
    """gan train, not the training loop, puts a finished run in the zoo."""
    known = modules()
    bad = sorted(
        (name, target)
        for name, path in known.items()
        if group(name) == "gancli.engine"
        for target in imported(name, path, known)
        if target in (f"{STORE}.zoo", f"{STORE}.hub", f"{STORE}.locate")
    )
    assert not bad, "\n".join(f"{name} imports {target}" for name, target in bad)


# Commands parse flags, call the library (gancli.api and the packages under it) and render its
# result: a command module that grows past this, or a function past that, is doing the
# library's work.
CLI_MODULE_LINES = 160
CLI_FUNCTION_LINES = 60


def test_commands_stay_small():
    too_big = []
    for name, path in modules().items():
        if not name.startswith("gancli.cli"):
            continue
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > CLI_MODULE_LINES:
            too_big.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > CLI_FUNCTION_LINES:
                    too_big.append(f"{name}.{node.name}: {length} lines")
    assert not too_big, "move the work into the library: " + "; ".join(too_big)


def test_the_library_does_not_import_the_cli():
    """gancli.api and everything under it can be used without the command line."""
    known = modules()
    reach = [
        f"{name} imports {target}"
        for name, path in known.items()
        if not name.startswith("gancli.cli") and name != "gancli.__main__"
        for target in imported(name, path, known)
        if target.startswith("gancli.cli")
    ]
    assert not reach, "; ".join(reach)
