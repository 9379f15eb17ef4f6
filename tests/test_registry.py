"""The registries of metrics, feature extractors and built-in data sets: each entry is found by
reading its module's decorator, listed without importing the module, and carries its
implementation once loaded."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from gancli.data.registry import SOURCES
from gancli.metrics.registry import EXTRACTORS, METRICS

REGISTRIES = {"metric": (METRICS, "compute"), "extractor": (EXTRACTORS, "build")}
REGISTRIES["data set"] = (SOURCES, "load")


def plugin_package(root: Path, files: dict[str, str]) -> str:
    """A throwaway package with its own registry of "things" and the given modules."""
    name = f"plugins_{uuid.uuid4().hex[:8]}"
    pkg = root / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        textwrap.dedent(
            """
            from dataclasses import dataclass

            from gancli._registry import Registry


            @dataclass(frozen=True)
            class Thing:
                name: str
                help: str
                size: int = 0
                module: str = ""
                run: object = None
                hook: object = None


            THINGS = Registry("thing", __name__, "thing", Thing, impl="run", runtime=("hook",))
            thing = THINGS.register
            """
        )
    )
    for module, text in files.items():
        (pkg / f"{module}.py").write_text(textwrap.dedent(text).replace("PKG", name))
    return name


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    created: list[str] = []

    def make(files: dict[str, str]):
        import importlib

        name = plugin_package(tmp_path, files)
        created.append(name)
        return importlib.import_module(name)

    yield make
    for name in created:
        for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[mod]


def test_entries_are_listed_from_the_source_and_loaded_on_use(plugins):
    pkg = plugins(
        {
            "alpha": """
                from PKG import thing

                @thing("alpha", help="the first " "of them", size=3)
                def run():
                    return "a"
                """,
            "two": """
                from PKG import thing

                def _hook():
                    return "hooked"

                @thing("beta", help="one loader", hook=_hook)
                @thing(
                    "gamma",
                    help="serves two names",  # a comment inside the call
                )
                def run():
                    return "b or c"
                """,
            "helpers": "X = 1  # no declaration: not an entry\n",
        }
    )
    things = pkg.THINGS
    assert list(things) == ["alpha", "beta", "gamma"]
    assert things["alpha"].help == "the first of them" and things["alpha"].size == 3
    assert things["gamma"].module == f"{pkg.__name__}.two"
    assert f"{pkg.__name__}.alpha" not in sys.modules  # listed, not imported
    assert things["beta"].hook is None  # a runtime argument arrives with the implementation
    loaded = things.load("beta")
    assert loaded.run() == "b or c" and loaded.hook() == "hooked"
    assert things.load("alpha").run() == "a" and f"{pkg.__name__}.alpha" in sys.modules


def test_a_declaration_must_be_literal(plugins):
    pkg = plugins(
        {
            "bad": """
                from PKG import thing

                HELP = "computed"

                @thing("bad", help=HELP)
                def run():
                    pass
                """
        }
    )
    with pytest.raises(ValueError, match=r"bad: @thing\(...\) 'bad': help= must be a literal"):
        list(pkg.THINGS)


def test_registering_a_taken_name_is_refused_and_a_runtime_entry_joins(plugins):
    pkg = plugins(
        {"alpha": 'from PKG import thing\n\n@thing("alpha", help="a")\ndef run(): pass\n'}
    )
    with pytest.raises(ValueError, match="thing 'alpha' registered twice"):
        pkg.thing("alpha", help="again")(lambda: None)
    pkg.thing("delta", help="from a test")(lambda: "d")
    assert list(pkg.THINGS) == ["alpha", "delta"] and pkg.THINGS.load("delta").run() == "d"
    pkg.THINGS.unregister("delta")
    assert list(pkg.THINGS) == ["alpha"]


@pytest.mark.parametrize("what", list(REGISTRIES))
def test_every_declaration_is_what_its_module_registers(what):
    """The entry read from the source and the one the decorator makes on import agree."""
    registry, impl = REGISTRIES[what]
    assert len(registry) >= 4
    for name in registry:
        declared = registry[name]
        loaded = registry.load(name)
        assert getattr(loaded, impl) is not None, name
        for f in dataclasses.fields(declared):
            if f.name not in (impl, "check", "check_reference"):
                assert getattr(declared, f.name) == getattr(loaded, f.name), (name, f.name)


def test_listing_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from gancli.data.registry import SOURCES, builtin_names\n"
        "from gancli.metrics.registry import EXTRACTORS, METRICS, parse_metrics\n"
        "[(e.help, e.kinds) for e in METRICS.values()], dict(EXTRACTORS), builtin_names()\n"
        "parse_metrics('fid,precision', 'image')\n"
        "print(' '.join(m for m in ('torch', 'numpy', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
