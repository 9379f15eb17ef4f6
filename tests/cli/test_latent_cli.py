"""interpolate, sample --truncation/--label-seeds, concept, arithmetic and project, called as a
user calls them."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from gancli.cli import app
from gancli.engine.loop import Trainer
from tests.conftest import tiny_options

runner = CliRunner()


def gan(*args: str, env: dict | None = None):
    return runner.invoke(app, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("latent") / "dcgan"
    Trainer(tiny_options(out, "dcgan", steps=3), quiet=True).run()
    return out


@pytest.fixture(scope="module")
def normal_run(tmp_path_factory):
    """The 2014 GAN: a normal prior, where slerp and truncation apply."""
    out = tmp_path_factory.mktemp("latent") / "gan"
    Trainer(tiny_options(out, "gan", steps=3), quiet=True).run()
    return out


def png(path) -> np.ndarray:
    return np.asarray(Image.open(path))


def tiles(img: np.ndarray, side: int = 16, pad: int = 2) -> list[np.ndarray]:
    """The tiles of a render.grid picture, row by row."""
    rows = (img.shape[0] - pad) // (side + pad)
    cols = (img.shape[1] - pad) // (side + pad)
    return [
        img[
            pad + r * (side + pad) : pad + r * (side + pad) + side,
            pad + c * (side + pad) : pad + c * (side + pad) + side,
        ]
        for r in range(rows)
        for c in range(cols)
    ]


# ---- interpolate -------------------------------------------------------------------------


def test_interpolate_strip_ends_at_the_seeds_samples(dcgan_run, tmp_path):
    r = gan(
        "interpolate", dcgan_run, "--from", 3, "--to", 9, "--steps", 6, "-o", tmp_path / "w.png"
    )
    assert r.exit_code == 0, r.output
    strip = tiles(png(tmp_path / "w.png"))
    assert len(strip) == 6
    r = gan("sample", dcgan_run, "-n", 1, "--seed", 3, "-o", tmp_path / "s3.png")
    assert r.exit_code == 0, r.output
    assert np.array_equal(strip[0], tiles(png(tmp_path / "s3.png"))[0])
    gan("sample", dcgan_run, "-n", 1, "--seed", 9, "-o", tmp_path / "s9.png")
    assert np.array_equal(strip[-1], tiles(png(tmp_path / "s9.png"))[0])


def test_interpolate_gif_through_points_and_walks(dcgan_run, tmp_path):
    r = gan(
        "interpolate",
        dcgan_run,
        "--through",
        "3,9,14,2",
        "--steps",
        5,
        "-o",
        tmp_path / "w.gif",
        "--fps",
        5,
    )
    assert r.exit_code == 0, r.output
    gif = Image.open(tmp_path / "w.gif")
    assert gif.n_frames == 3 * 4 + 1 and gif.info["duration"] == 200
    r = gan("interpolate", dcgan_run, "-n", 3, "--steps", 4, "--loop", "-o", tmp_path / "g.png")
    assert r.exit_code == 0, r.output
    img = png(tmp_path / "g.png")
    assert img.shape[:2] == (2 + 3 * 18, 2 + 8 * 18)  # 3 walks x (there and back: 2 x 4)


def test_interpolate_png_on_stdout_and_saved_latents(dcgan_run, tmp_path):
    z = tmp_path / "z.safetensors"
    r = gan("sample", dcgan_run, "-n", 3, "--save-latents", z, "-o", tmp_path / "s.png")
    assert r.exit_code == 0, r.output
    r = gan(
        "interpolate",
        dcgan_run,
        "--latents",
        z,
        "--steps",
        3,
        "-o",
        "-",
        "--save-latents",
        tmp_path / "f.npy",
    )
    assert r.exit_code == 0
    assert Image.open(io.BytesIO(r.stdout_bytes)).format == "PNG"
    frames = np.load(tmp_path / "f.npy")
    assert frames.shape[0] == 2 * 2 + 1


def test_interpolate_walks_a_code_with_the_noise_fixed(tmp_path):
    out = tmp_path / "info"
    Trainer(tiny_options(out, "infogan", steps=1), quiet=True).run()
    r = gan(
        "interpolate",
        out,
        "--walk",
        "c2",
        "-n",
        2,
        "--steps",
        5,
        "--save-latents",
        tmp_path / "z.npy",
        "-o",
        tmp_path / "c.png",
    )
    assert r.exit_code == 0, r.output
    z = torch.from_numpy(np.load(tmp_path / "z.npy")).view(2, 5, -1)
    varying = (z - z[:, :1]).abs().amax(dim=(0, 1)) > 0
    assert varying.sum() == 1  # only c2 moves
    assert torch.allclose(z[0, :, varying].flatten(), torch.linspace(-1, 1, 5))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "3"], "--from and --to go together"),
        (["--from", "3", "--to", "4", "--through", "1,2"], "pick one"),
        (["-o", "walk.bmp"], ".png, .jpg, .webp, .gif file"),
        (["--format", "gif", "-o", "walk.png"], "does not match"),
        (["--through", "3,x"], "seeds and ranges like 3,9,14"),
        (["--method", "cubic"], "unknown --method"),
        (["--walk", "c1"], "no latent codes"),
        (["--truncation", "0.7"], "normal priors"),
        (["--walk", "class"], "conditional"),
        (["--fps", "0", "-o", "walk.gif"], "--frames-per-second must be a number above 0"),
        (["--steps", "10000000000", "-o", "walk.gif"], "frames need"),  # was a failed allocation
    ],
)
def test_interpolate_bad_input_is_one_line(dcgan_run, args, message):
    r = gan("interpolate", dcgan_run, *args)
    assert r.exit_code == 1
    assert message in r.output and "Traceback" not in r.output


# ---- sample --truncation / --label-seeds -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "huge.png"], "write them one file each with --out-dir DIR"),
        (["-o", "huge.npy"], "write them one file each with --out-dir DIR"),
        (["--out-dir", "huge"], "make them in parts: -n M --seed 0"),
    ],
)
def test_sample_refuses_a_count_beyond_memory(dcgan_run, tmp_path, monkeypatch, args, message):
    # Before: a MemoryError traceback after trying to hold every latent.
    monkeypatch.chdir(tmp_path)
    r = gan("sample", dcgan_run, "-n", 10**11, *args)
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert list(tmp_path.iterdir()) == []


def test_truncation_shrinks_the_latents_of_the_same_seeds(normal_run, tmp_path):
    plain, cut = tmp_path / "a.npy", tmp_path / "b.npy"
    assert (
        gan(
            "sample", normal_run, "-n", 8, "--save-latents", plain, "-o", tmp_path / "a.png"
        ).exit_code
        == 0
    )
    r = gan(
        "sample",
        normal_run,
        "-n",
        8,
        "--truncation",
        "0.5",
        "--save-latents",
        cut,
        "-o",
        tmp_path / "b.png",
    )
    assert r.exit_code == 0, r.output
    za, zb = np.load(plain), np.load(cut)
    assert np.abs(zb).max() <= 0.5 < np.abs(za).max()
    assert np.array_equal(np.sign(za), np.sign(zb))  # same seeds, shrunk
    assert not np.array_equal(png(tmp_path / "a.png"), png(tmp_path / "b.png"))


def test_label_seeds_draws_numbers_on_enlarged_tiles(dcgan_run, tmp_path):
    r = gan("sample", dcgan_run, "-n", 4, "--seed", 40, "--label-seeds", "-o", tmp_path / "l.png")
    assert r.exit_code == 0, r.output
    img = png(tmp_path / "l.png")
    assert img.shape[0] == 2 + 2 * 66  # 16 px tiles enlarged to 64
    corner = img[2:14, 2:30].astype(int)
    yellow = (corner[..., 0] > 180) & (corner[..., 1] > 180) & (corner[..., 2] < 90)
    assert yellow.sum() >= 5  # the seed number, in yellow


# ---- concepts and arithmetic -------------------------------------------------------------


def test_concepts_and_arithmetic(dcgan_run, tmp_path):
    ck = str(dcgan_run)
    assert gan("concept", "add", "red circle", "-c", ck, "--seeds", "1,2,3").exit_code == 0
    assert gan("concept", "add", "circle", "-c", ck, "--seeds", "4,5").exit_code == 0
    r = gan("concept", "add", "square", "-c", ck, "--seeds", "6")
    assert r.exit_code == 0, r.output
    r = gan("concept", "list", "-c", ck, "--json")
    listed = json.loads(r.stdout)
    assert [c["name"] for c in listed["concepts"]] == ["red circle", "circle", "square"]
    assert listed["concepts"][0]["seeds"] == [1, 2, 3]

    # no noise: all nine tiles are the result; "a - a + b" is b
    r = gan(
        "arithmetic",
        "red circle - red circle + square",
        "-c",
        ck,
        "--noise",
        "0",
        "-o",
        tmp_path / "a.png",
    )
    assert r.exit_code == 0, r.output
    grid = tiles(png(tmp_path / "a.png"))
    assert len(grid) == 9 and all(np.array_equal(t, grid[0]) for t in grid)
    gan("sample", dcgan_run, "-n", 1, "--seed", 6, "-o", tmp_path / "s6.png")
    assert np.array_equal(grid[4], tiles(png(tmp_path / "s6.png"))[0])

    r = gan(
        "arithmetic", "red circle - circle + square", "-c", ck, "-o", tmp_path / "b.png", "--json"
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert [(t["name"], t["weight"]) for t in out["terms"]] == [
        ("red circle", 1.0),
        ("circle", -1.0),
        ("square", 1.0),
    ]
    noisy = tiles(png(tmp_path / "b.png"))
    assert not all(np.array_equal(t, noisy[4]) for t in noisy)
    r = gan(
        "arithmetic",
        "red circle - circle + square",
        "-c",
        ck,
        "--show-terms",
        "-o",
        tmp_path / "t.png",
    )
    assert r.exit_code == 0, r.output
    assert Image.open(tmp_path / "t.png").width == 2 + 4 * 66  # 3 terms + the result

    # --renorm: the same direction at the prior's typical norm, so a different picture
    r = gan(
        "arithmetic",
        "red circle - circle + square",
        "-c",
        ck,
        "--noise",
        "0",
        "--renorm",
        "-o",
        tmp_path / "r.png",
    )
    assert r.exit_code == 0, r.output
    plain = gan(
        "arithmetic",
        "red circle - circle + square",
        "-c",
        ck,
        "--noise",
        "0",
        "-o",
        tmp_path / "p.png",
    )
    assert plain.exit_code == 0
    assert not np.array_equal(png(tmp_path / "r.png"), png(tmp_path / "p.png"))

    r = gan("arithmetic", "red circel - circle", "-c", ck)
    assert r.exit_code == 1
    assert "closest: red circle" in r.output and "\n  ^" in r.output and "Traceback" not in r.output

    r = gan("concept", "show", "red circle", "-c", ck, "-o", tmp_path / "show.png")
    assert r.exit_code == 0 and Image.open(tmp_path / "show.png").width == 2 + 4 * 66
    assert gan("concept", "rm", "circle", "-c", ck).exit_code == 0
    assert "circle" not in [
        c["name"]
        for c in json.loads(gan("concept", "list", "-c", ck, "--json").stdout)["concepts"][1:]
    ]
    r = gan("concept", "add", "square", "-c", ck, "--seeds", "8")
    assert r.exit_code == 1 and "--replace" in r.output


def test_checkpoint_defaults_to_env_then_most_recent(dcgan_run, normal_run, tmp_path):
    gan("concept", "add", "thing", "-c", dcgan_run, "--seeds", "1", "--replace")
    r = gan("concept", "list", "--json", env={"GAN_CKPT": str(dcgan_run)})
    assert r.exit_code == 0 and "using $GAN_CKPT" in r.stderr
    assert "thing" in [c["name"] for c in json.loads(r.stdout)["concepts"]]
    recent = tmp_path / "recent"
    Trainer(tiny_options(recent, "dcgan", steps=1), quiet=True).run()
    r = gan("concept", "list", "--json", env={"GAN_CKPT": ""})
    assert r.exit_code == 0 and str(recent) in r.stderr and "most recently trained" in r.stderr


def test_conditional_concepts_carry_the_class(tmp_path):
    out = tmp_path / "cgan"
    Trainer(tiny_options(out, "cgan", steps=1), quiet=True).run()
    assert gan("concept", "add", "circle", "-c", out, "--class", "circle").exit_code == 0
    r = gan("concept", "add", "mixed", "-c", out, "--seeds", "0,1")
    assert r.exit_code == 0, r.output
    r = gan("arithmetic", "mixed + circle", "-c", out, "-o", tmp_path / "a.png")
    assert r.exit_code == 0, r.output
    r = gan("concept", "add", "x", "-c", out, "--images", tmp_path)
    assert r.exit_code == 1 and "--class" in r.output


# ---- project ------------------------------------------------------------------------------


def test_projection_recovers_a_generated_image(dcgan_run, tmp_path):
    target = tmp_path / "target.png"
    assert gan("sample", dcgan_run, "-n", 1, "--seed", 123, "-o", target).exit_code == 0
    Image.fromarray(tiles(png(target))[0]).save(target)  # the tile alone
    other = tmp_path / "other.png"
    gan("sample", dcgan_run, "-n", 1, "--seed", 7, "-o", other)
    Image.fromarray(tiles(png(other))[0]).save(other)
    start = np.abs(png(target).astype(float) - png(other).astype(float)).mean()

    r = gan(
        "project", dcgan_run, target, "-o", tmp_path / "z.safetensors", "--steps", 150, "--json"
    )
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)["images"][0]
    recon = png(tmp_path / "z.png")
    assert recon.shape[1] == 2 + 2 * 18  # image | reconstruction
    err = np.abs(tiles(recon)[0].astype(float) - tiles(recon)[1].astype(float)).mean()
    assert err < 0.5 * start  # far closer than another sample of the same model
    assert res["psnr"] > 20
    from gancli.latent.io import load_latents

    assert load_latents(tmp_path / "z.safetensors", 100).shape == (1, 100)


def test_project_bad_input(dcgan_run, tmp_path):
    r = gan("project", dcgan_run, tmp_path / "missing.png")
    assert r.exit_code == 1 and "no image at" in r.output
    (tmp_path / "bad.png").write_bytes(b"not an image")
    r = gan("project", dcgan_run, tmp_path / "bad.png")
    assert r.exit_code == 1 and "cannot read" in r.output and "Traceback" not in r.output
    gan("sample", dcgan_run, "-n", 1, "-o", tmp_path / "one.png")
    for args, says in (
        (["--lr", "-1"], "--lr must be a number above 0; got -1.0"),  # was torch's traceback
        (["--lr", "nan"], "--lr must be a number above 0; got nan"),
        (["--feature-weight", "-1"], "--feature-weight must be 0 (pixels only) or more"),
    ):
        r = gan("project", dcgan_run, tmp_path / "one.png", "--steps", 2, *args)
        assert r.exit_code == 1 and says in r.stderr and "Traceback" not in r.output


def test_sample_refuses_a_grid_row_of_no_images(dcgan_run, tmp_path):
    r = gan("sample", dcgan_run, "-n", 4, "--nrow", -2, "-o", tmp_path / "x.png")
    assert r.exit_code == 1 and "--nrow must be at least 1; got -2" in r.stderr
    assert "Traceback" not in r.output and not (tmp_path / "x.png").exists()


# ---- picture formats -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"), [("grid.jpg", "JPEG"), ("grid.JPEG", "JPEG"), ("g.webp", "WEBP")]
)
def test_sample_writes_the_format_its_extension_names(dcgan_run, tmp_path, name, fmt):
    r = gan("sample", dcgan_run, "-n", 4, "-o", tmp_path / name)
    assert r.exit_code == 0, r.output
    with Image.open(tmp_path / name) as img:
        assert img.format == fmt
        # the same grid as the PNG, up to the lossy codec
        r = gan("sample", dcgan_run, "-n", 4, "-o", tmp_path / "ref.png")
        ref = png(tmp_path / "ref.png").astype(float)
        assert img.size == (ref.shape[1], ref.shape[0])
        assert np.abs(np.asarray(img.convert("RGB")).astype(float) - ref).mean() < 12


def test_npy_with_a_capital_extension_keeps_its_name(dcgan_run, tmp_path):
    r = gan("sample", dcgan_run, "-n", 2, "-o", tmp_path / "x.NPY")
    assert r.exit_code == 0, r.output
    assert np.load(tmp_path / "x.NPY").shape[0] == 2
    assert not (tmp_path / "x.NPY.npy").exists()


def test_an_unknown_picture_extension_is_one_line_and_writes_nothing(dcgan_run, tmp_path):
    ck = str(dcgan_run)
    assert gan("concept", "add", "a", "-c", ck, "--seeds", "1").exit_code == 0
    for args in (
        ["sample", ck, "-n", 2, "-o", tmp_path / "x.xyz"],
        ["arithmetic", "a + a", "-c", ck, "-o", tmp_path / "x.xyz"],
        ["concept", "show", "a", "-c", ck, "-o", tmp_path / "x.xyz"],
        ["interpolate", ck, "-o", tmp_path / "x.xyz"],
    ):
        r = gan(*args)
        assert r.exit_code == 1, (args, r.output)
        assert "x.xyz: use a .png, .jpg, .webp" in r.stderr and "Traceback" not in r.output
    assert list(tmp_path.iterdir()) == []
    assert gan("concept", "rm", "a", "-c", ck).exit_code == 0


def test_project_reads_an_image_piped_to_stdin(dcgan_run, tmp_path):
    # gan sample CKPT -o - | gan project CKPT -
    gan("sample", dcgan_run, "-n", 1, "--seed", 4, "-o", tmp_path / "one.png")
    piped = (tmp_path / "one.png").read_bytes()
    common = ["--steps", 3, "--restarts", 1, "--preview", "none", "--json"]
    r = runner.invoke(
        app,
        [str(a) for a in ("project", dcgan_run, "-", "-o", tmp_path / "a.npy", *common)],
        input=piped,
    )
    assert r.exit_code == 0, r.output
    assert [row["image"] for row in json.loads(r.stdout)["images"]] == ["stdin"]
    r = gan("project", dcgan_run, tmp_path / "one.png", "-o", tmp_path / "b.npy", *common)
    assert r.exit_code == 0, r.output
    assert np.array_equal(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))

    for stdin, says in (
        (b"", "nothing on standard input"),
        (b"text", "cannot read standard input"),
    ):
        r = runner.invoke(app, ["project", str(dcgan_run), "-"], input=stdin)
        assert r.exit_code == 1 and says in r.stderr and "Traceback" not in r.output
    r = runner.invoke(app, ["project", str(dcgan_run), "-", "-"], input=piped)
    assert r.exit_code == 1 and "can be given once" in r.stderr


def test_arithmetic_edits_one_sample_named_by_its_seed(dcgan_run, tmp_path):
    ck = str(dcgan_run)
    r = gan("concept", "add", "dot", "-c", ck, "--seeds", "30,31,32", "--replace")
    assert r.exit_code == 0, r.output
    # seed:7 + dot - dot is seed 7's own sample
    r = gan("arithmetic", "seed:7 + dot - dot", "-c", ck, "--noise", "0", "-o", tmp_path / "e.png")
    assert r.exit_code == 0, r.output
    gan("sample", ck, "-n", 1, "--seed", 7, "-o", tmp_path / "s7.png")
    assert np.array_equal(tiles(png(tmp_path / "e.png"))[4], tiles(png(tmp_path / "s7.png"))[0])
    r = gan("arithmetic", "seed:7 + 0.5*dot", "-c", ck, "--show-terms", "-o", tmp_path / "t.png")
    assert r.exit_code == 0, r.output
    r = gan("arithmetic", "seed: + dot", "-c", ck)
    assert r.exit_code == 1 and "whole number" in r.output and "^" in r.output


def test_an_expression_may_start_with_a_minus(dcgan_run, tmp_path):
    ck = str(dcgan_run)
    gan("concept", "add", "dot", "-c", ck, "--seeds", "30,31,32", "--replace")
    r = gan("arithmetic", "-dot + seed:3", "-c", ck, "-o", tmp_path / "m.png")
    assert r.exit_code == 0, r.output
    # a lone negated name cannot be told from an option: the error says how to write it
    r = gan("arithmetic", "-dot", "-c", ck)
    assert r.exit_code == 2
    assert "goes after '--'" in r.output and len(r.output.strip().splitlines()) == 1
    r = gan("arithmetic", "-c", ck, "-o", tmp_path / "n.png", "--", "-dot")
    assert r.exit_code == 0, r.output


def test_interpolate_walks_from_a_seed_along_a_concept_direction(dcgan_run, tmp_path):
    ck = str(dcgan_run)
    gan("concept", "add", "dot", "-c", ck, "--seeds", "30,31,32", "--replace")
    gan("concept", "add", "ring", "-c", ck, "--seeds", "40,41,42", "--replace")
    r = gan(
        "interpolate",
        ck,
        "--from",
        5,
        "--towards",
        "ring - dot",
        "--steps",
        4,
        "-o",
        tmp_path / "w.png",
    )
    assert r.exit_code == 0, r.output
    frames = tiles(png(tmp_path / "w.png"))
    assert len(frames) == 4
    # the first frame is seed 5's sample; the last is `seed:5 + ring - dot` drawn by arithmetic
    gan("sample", ck, "-n", 1, "--seed", 5, "-o", tmp_path / "s5.png")
    assert np.array_equal(frames[0], tiles(png(tmp_path / "s5.png"))[0])
    gan("arithmetic", "seed:5 + ring - dot", "-c", ck, "--noise", "0", "-o", tmp_path / "a.png")
    assert np.array_equal(frames[-1], tiles(png(tmp_path / "a.png"))[4])
    assert not np.array_equal(frames[0], frames[-1])
    r = gan("interpolate", ck, "--towards", "rnig", "-o", tmp_path / "x.png")
    assert r.exit_code == 1 and "closest: ring" in r.output
    r = gan("interpolate", ck, "--towards", "ring", "--to", 3, "-o", tmp_path / "x.png")
    assert r.exit_code == 1 and "--towards" in r.output


def test_seeds_take_lists_and_ranges(dcgan_run, tmp_path):
    ck = str(dcgan_run)
    r = gan("sample", ck, "--seeds", "3,9-11", "--out-dir", tmp_path / "d")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "d").glob("*.png")) == [
        "000003.png", "000009.png", "000010.png", "000011.png"
    ]  # fmt: skip
    gan("sample", ck, "-n", 1, "--seed", 10, "-o", tmp_path / "s10.png")
    assert np.array_equal(png(tmp_path / "d" / "000010.png"), tiles(png(tmp_path / "s10.png"))[0])
    r = gan("concept", "add", "span", "-c", ck, "--seeds", "0-4", "--replace")
    assert r.exit_code == 0, r.output
    listed = json.loads(gan("concept", "list", "-c", ck, "--json").stdout)["concepts"]
    assert [c["seeds"] for c in listed if c["name"] == "span"] == [[0, 1, 2, 3, 4]]
    for bad, message in [("5-2", "backwards"), ("x", "3,9,14 or 0-35"), ("", "at least one")]:
        r = gan("sample", ck, "--seeds", bad, "-o", tmp_path / "x.png")
        assert r.exit_code == 1 and message in r.output, (bad, r.output)
    r = gan("sample", ck, "--seeds", "1,2", "-n", 4)
    assert r.exit_code == 1 and "leave out -n" in r.output


def test_concept_images_take_several_files_after_one_flag(dcgan_run, tmp_path):
    ck = str(dcgan_run)
    for s in (1, 2, 3):
        gan("sample", ck, "-n", 1, "--seed", s, "-o", tmp_path / f"e{s}.png")
    r = gan(
        "concept", "add", "three", "-c", ck, "--replace", "--steps", 5,
        "--images", tmp_path / "e1.png", tmp_path / "e2.png", tmp_path / "e3.png",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    listed = json.loads(gan("concept", "list", "-c", ck, "--json").stdout)["concepts"]
    assert [len(c["images"]) for c in listed if c["name"] == "three"] == [3]


def test_concept_list_keeps_long_seed_lists_short(dcgan_run):
    ck = str(dcgan_run)
    seeds = ",".join(str(s) for s in range(0, 60, 2))
    assert gan("concept", "add", "many", "-c", ck, "--seeds", seeds, "--replace").exit_code == 0
    r = gan("concept", "list", "-c", ck)
    assert r.exit_code == 0, r.output
    line = next(line for line in r.stdout.splitlines() if " many " in line)
    assert "(30 seeds; --all for every one)" in line and "58" not in line
    r = gan("concept", "list", "-c", ck, "--all")
    assert "58" in next(line for line in r.stdout.splitlines() if " many " in line)
