"""A variant's own options appear on its train command only and reach Hyper.extra."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from gancli import variants
from gancli.cli.train import _make_command
from gancli.errors import GanError
from gancli.variants.dcgan import DCGAN


class WithOptions(DCGAN):
    name = "options-test"
    defaults = DCGAN.defaults.replace(extra={"unroll": 5, "divergence": "kl"})
    options = (
        variants.Option("unroll", int, "Look-ahead steps."),
        variants.Option("divergence", str, "Which f.", choices=("kl", "js")),
    )


def _app():
    app = typer.Typer()
    app.command(name="options-test")(_make_command(WithOptions))
    app.command(name="dcgan")(_make_command(DCGAN))
    return app


def test_options_show_in_help_of_their_variant_only():
    r = CliRunner().invoke(_app(), ["options-test", "--help"], env={"COLUMNS": "300"})
    assert r.exit_code == 0 and "--unroll" in r.output and "--divergence" in r.output
    assert "kl, js" in r.output and "(default: 5)" in r.output
    r = CliRunner().invoke(_app(), ["dcgan", "--help"])
    assert "--unroll" not in r.output


def test_option_values_reach_hyper_extra():
    h = WithOptions.with_options(WithOptions.defaults, {"unroll": 2, "divergence": None})
    assert h.extra == {"unroll": 2, "divergence": "kl"}
    with pytest.raises(GanError, match="must be one of: kl, js"):
        WithOptions.with_options(WithOptions.defaults, {"divergence": "xx"})
    with pytest.raises(GanError, match="dcgan has no option --unroll"):
        DCGAN.with_options(DCGAN.defaults, {"unroll": 3})


def test_option_on_the_wrong_variant_is_a_usage_error():
    r = CliRunner().invoke(_app(), ["dcgan", "--unroll", "3"])
    assert r.exit_code == 2 and "--unroll" in r.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["train", "dcgan", "--divergence", "kl"],
            "--divergence is an option of fgan, not of dcgan",
        ),
        (["train", "dcgan", "--no-lookahead"], "--no-lookahead is an option of unrolled"),
        (["train", "wgan", "--unroll", "2"], "wgan's own options: --clip"),
    ],
)
def test_a_foreign_option_names_the_variants_it_belongs_to(args, says):
    from gancli.cli import app

    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2
    assert says in " ".join(r.output.replace("│", " ").split())


@pytest.mark.parametrize(
    ("name", "suggests"),
    [
        ("nosuch", None),
        ("dcgn", "(did you mean 'dcgan'?)"),
        ("wgangp", "(did you mean 'wgan-gp'?)"),
    ],
)
def test_an_unknown_variant_lists_the_valid_ones(name, suggests):
    from gancli.cli import app

    r = CliRunner().invoke(app, ["train", name, "--steps", "1"])
    said = " ".join(r.output.replace("│", " ").split())
    assert r.exit_code == 2
    assert f"unknown variant '{name}'" in said
    assert suggests in said if suggests else "did you mean" not in said
    assert "valid: " + ", ".join(sorted(variants.names())) in said
    assert "Traceback" not in r.output


def _flags(cls) -> set[str]:
    flags = set()
    for o in cls.options:
        flag = o.name.replace("_", "-")
        flags |= {f"--{flag}", f"--no-{flag}"} if o.type is bool else {f"--{flag}"}
    return flags


@pytest.fixture(scope="module")
def train_commands():
    """The click commands of `gan train`, built once (a CliRunner call rebuilds every one)."""
    from gancli.cli.train import app

    return typer.main.get_command(app).commands


@pytest.mark.parametrize("name", variants.names())
def test_a_variant_offers_exactly_its_own_options(name, train_commands):
    """Its --help lists its options and no other variant's; another variant's option is the
    usual one-line usage error (exit 2, "No such option"), before anything is read."""
    import re

    from typer._click.exceptions import UsageError

    from gancli.cli import app

    own = _flags(variants.get(name))
    foreign = sorted(set().union(*(_flags(variants.get(n)) for n in variants.names())) - own)
    r = CliRunner().invoke(app, ["train", name, "--help"], env={"COLUMNS": "300"})
    listed = set(re.findall(r"(?<![\w-])--[a-z][\w-]*", r.output))
    assert r.exit_code == 0 and own <= listed and not listed & set(foreign), listed & set(foreign)
    for flag in foreign:
        with pytest.raises(UsageError) as refused:
            args = [flag] if flag.startswith("--no-") else [flag, "1"]
            train_commands[name].make_context(name, args)
        assert refused.value.exit_code == 2
        assert refused.value.message.startswith(f"No such option: {flag} "), refused.value.message
    r = CliRunner().invoke(app, ["train", name, foreign[0], "1"])
    said = " ".join(r.output.replace("│", " ").split())
    assert r.exit_code == 2 and f"No such option: {foreign[0]}" in said
    assert "Traceback" not in r.output


def test_g_loss_is_offered_only_where_the_losses_read_it():
    """gan, dcgan and unrolled compute G's loss with --g-loss; the others have losses of their
    own, so it is not offered to them."""
    from gancli.cli import app

    assert [n for n in variants.names() if "--g-loss" in _flags(variants.get(n))] == [
        "dcgan",
        "gan",
        "unrolled",
    ]
    for name in ("lsgan", "hinge", "wgan", "wgan-gp", "cgan", "acgan"):
        r = CliRunner().invoke(app, ["train", name, "--g-loss", "minimax"])
        said = " ".join(r.output.replace("│", " ").split())
        assert r.exit_code == 2 and "No such option: --g-loss" in said, name
        assert len(r.output.strip().splitlines()) == 1, r.output
