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
