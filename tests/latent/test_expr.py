"""Concept expressions for `gan arithmetic`: the language, the two results and the errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gancli.errors import GanError
from gancli.latent.expr import MAX_DEPTH, ExprError, Term, parse, seed_of, terms_in_order

FACES = ["man", "glasses man", "woman"]
SMILES = ["smiling woman", "neutral woman", "neutral man"]
GLASSES = ["man with glasses", "man without glasses", "woman without glasses", "woman with glasses"]
ABC = ["a", "b", "c"]


def caret_column(err: ExprError) -> int:
    lines = str(err).split("\n")
    assert len(lines) == 3
    assert lines[1].startswith("  ") and lines[2].startswith("  ")
    return lines[2].index("^") - 2


def fails(text: str, names=ABC) -> ExprError:
    with pytest.raises(ExprError) as info:
        parse(text, names)
    with pytest.raises(ExprError) as again:
        terms_in_order(text, names)
    assert str(again.value) == str(info.value)
    err = info.value
    assert err.text == text
    assert caret_column(err) == err.position
    return err


# ---- the DCGAN examples and name matching --------------------------------------------------


def test_dcgan_smile_example():
    got = parse("smiling woman - neutral woman + neutral man", SMILES)
    assert got == [
        Term("smiling woman", 1.0),
        Term("neutral woman", -1.0),
        Term("neutral man", 1.0),
    ]


def test_dcgan_glasses_example():
    text = "man with glasses - man without glasses + woman without glasses"
    assert parse(text, GLASSES) == [
        Term("man with glasses", 1.0),
        Term("man without glasses", -1.0),
        Term("woman without glasses", 1.0),
    ]


def test_greedy_takes_the_longest_name():
    assert parse("glasses man - man + woman", FACES) == [
        Term("glasses man", 1.0),
        Term("man", -1.0),
        Term("woman", 1.0),
    ]


def test_quoted_names_match_whole():
    for text in ["\"glasses man\" - 'man'", "'glasses man'-\"man\""]:
        assert parse(text, FACES) == [Term("glasses man", 1.0), Term("man", -1.0)]


def test_quoted_name_may_hold_any_character_but_its_quote():
    names = ["man (old)", "it's", 'say "hi"']
    assert parse('"man (old)" + "it\'s" - \'say "hi"\'', names) == [
        Term("man (old)", 1.0),
        Term("it's", 1.0),
        Term('say "hi"', -1.0),
    ]


def test_unquoted_words_are_split_into_known_names():
    # "glasses" alone is unknown, so the run must be read as the one name "glasses man".
    err = fails("glasses + man", FACES)
    assert err.message.startswith("unknown concept 'glasses'")
    # Two names side by side need an operator, bare or quoted.
    err = fails("glasses man woman", FACES)
    assert err.message == "expected an operator"
    assert err.position == len("glasses man ")


def test_matching_ignores_case_and_extra_whitespace_and_keeps_the_lists_spelling():
    names = ["Glasses Man", "woman"]
    assert parse("GLASSES   man + WoMaN", names) == [Term("Glasses Man", 1.0), Term("woman", 1.0)]
    assert parse("' glasses\tMAN '", names) == [Term("Glasses Man", 1.0)]


def test_names_may_be_any_iterable():
    assert parse("a - b", iter(ABC)) == [Term("a", 1.0), Term("b", -1.0)]
    assert terms_in_order("a - b", (n for n in ABC)) == [Term("a", 1.0), Term("b", -1.0)]


def test_words_with_digits_and_underscores():
    names = ["z_1", "face2", "_x"]
    assert parse("z_1 + 2 face2 - _x", names) == [
        Term("z_1", 1.0),
        Term("face2", 2.0),
        Term("_x", -1.0),
    ]


# ---- weights, parentheses, division, unary minus -------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a", [("a", 1.0)]),
        ("0.5*a", [("a", 0.5)]),
        ("0.5 a", [("a", 0.5)]),
        ("0.5a", [("a", 0.5)]),
        ("a*0.5", [("a", 0.5)]),
        ("a/2", [("a", 0.5)]),
        (".5*a", [("a", 0.5)]),
        ("1e-1*a", [("a", 0.1)]),
        ("2E+1 a", [("a", 20.0)]),
        ("1.*a", [("a", 1.0)]),
        ("-a", [("a", -1.0)]),
        ("- -a", [("a", 1.0)]),
        ("+a", [("a", 1.0)]),
        ("a - -b", [("a", 1.0), ("b", 1.0)]),
        ("-2*-a", [("a", 2.0)]),
        ("2*(a - b)", [("a", 2.0), ("b", -2.0)]),
        ("(a - b)*2", [("a", 2.0), ("b", -2.0)]),
        ("(a + b)/4", [("a", 0.25), ("b", 0.25)]),
        ("-(a - b)", [("a", -1.0), ("b", 1.0)]),
        ("2*3*a", [("a", 6.0)]),
        ("(1 + 1)*a", [("a", 2.0)]),
        ("a/2/2", [("a", 0.25)]),
        ("6/3*a", [("a", 2.0)]),
        ("0.5 a * 2", [("a", 1.0)]),
        ('2 "b"', [("b", 2.0)]),
        ("a - 2*(b - 0.5*c)", [("a", 1.0), ("b", -2.0), ("c", 1.0)]),
        ("((a))", [("a", 1.0)]),
        ("0*a", [("a", 0.0)]),
    ],
)
def test_weights(text, expected):
    assert parse(text, ABC) == [Term(n, w) for n, w in expected]


def test_precedence():
    assert parse("a + b*2", ABC) == [Term("a", 1.0), Term("b", 2.0)]
    assert parse("a - b/2 + c", ABC) == [Term("a", 1.0), Term("b", -0.5), Term("c", 1.0)]


def test_weights_are_floats():
    for term in parse("a + 2*b", ABC):
        assert type(term.weight) is float


# ---- parse merges, terms_in_order does not --------------------------------------------------


def test_parse_merges_repeated_concepts_in_order_of_first_appearance():
    assert parse("a - a + b", ABC) == [Term("a", 0.0), Term("b", 1.0)]
    assert parse("b + a + 2*b", ABC) == [Term("b", 3.0), Term("a", 1.0)]
    assert parse("a + A + 'a'", ABC) == [Term("a", 3.0)]


def test_terms_in_order_keeps_each_occurrence_with_its_sign():
    assert terms_in_order("a - 2*(b - c)", ABC) == [Term("a", 1.0), Term("b", -2.0), Term("c", 2.0)]
    assert terms_in_order("a - a + b", ABC) == [Term("a", 1.0), Term("a", -1.0), Term("b", 1.0)]
    assert terms_in_order("c - (b - (a - c))/2", ABC) == [
        Term("c", 1.0),
        Term("b", -0.5),
        Term("a", 0.5),
        Term("c", -0.5),
    ]


def test_term_is_frozen():
    term = Term("a", 1.0)
    with pytest.raises(AttributeError):
        term.weight = 2.0  # type: ignore[misc]


# ---- errors ---------------------------------------------------------------------------------


def test_error_is_a_gan_error_with_the_expression_and_a_caret():
    err = fails("glases man - man + woman", FACES)
    assert isinstance(err, GanError)
    assert str(err) == (
        "unknown concept 'glases man'; closest: glasses man, man\n  glases man - man + woman\n  ^"
    )
    assert err.position == 0


def test_unknown_concept_later_in_the_expression():
    err = fails("glasses man - man + wman", FACES)
    assert err.message == "unknown concept 'wman'; closest: woman, man"
    assert err.position == len("glasses man - man + ")


def test_unknown_after_a_known_name_in_the_same_run():
    err = fails("man glases", FACES)
    assert err.message.startswith("unknown concept 'glases'")
    assert err.position == 4


def test_unknown_quoted_concept():
    err = fails('man + "wmoan"', FACES)
    assert err.message == "unknown concept 'wmoan'; closest: woman, man"
    assert err.position == 6


def test_unknown_concept_lists_the_known_ones_when_none_is_close():
    err = fails("xyz", ABC)
    assert err.message == "unknown concept 'xyz'; known: a, b, c"
    many = [f"concept{i}" for i in range(15)]
    err = fails("qqq", many)
    assert err.message.endswith("concept9 and 5 more")


def test_unknown_concept_when_none_are_defined():
    err = fails("a + b", [])
    assert err.message == "unknown concept 'a'; no concepts are defined"
    assert fails("'a'", []).message == "unknown concept 'a'; no concepts are defined"


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_expression(text):
    err = fails(text)
    assert err.message == "empty expression"
    assert err.position == 0


@pytest.mark.parametrize(
    "text, message, position",
    [
        ("(a + b", "unmatched '('", 0),
        ("a + (b", "unmatched '('", 4),
        ("((a)", "unmatched '('", 0),
        ("a + (", "unmatched '('", 4),
        ("a + b)", "unmatched ')'", 5),
        ("(a))", "unmatched ')'", 3),
        (") a", "unmatched ')'", 0),
        ("()", "empty parentheses", 0),
        ("a + ()", "empty parentheses", 4),
    ],
)
def test_parentheses(text, message, position):
    err = fails(text)
    assert (err.message, err.position) == (message, position)


@pytest.mark.parametrize(
    "text, message, position",
    [
        ("a +", "missing operand after '+'", 2),
        ("a -", "missing operand after '-'", 2),
        ("a *", "missing operand after '*'", 2),
        ("a /", "missing operand after '/'", 2),
        ("-", "missing operand after '-'", 0),
        ("* a", "missing operand before '*'", 0),
        ("/ a", "missing operand before '/'", 0),
        ("(* a)", "missing operand before '*'", 1),
        ("a * * b", "missing operand after '*'", 2),
        ("a + * b", "missing operand after '+'", 2),
        ("(a +)", "missing operand after '+'", 3),
    ],
)
def test_missing_operand(text, message, position):
    err = fails(text)
    assert (err.message, err.position) == (message, position)


@pytest.mark.parametrize(
    "text, position",
    [("a + 2", 4), ("2 + a", 0), ("2", 0), ("2 + 3", 0), ("-2", 0), ("(2)", 0), ("a - (1)", 4)],
)
def test_number_without_a_concept(text, position):
    err = fails(text)
    assert err.message == "a number must scale a concept"
    assert err.position == position


@pytest.mark.parametrize(
    "text, position", [("a/0", 2), ("a / 0.0", 4), ("a/(1 - 1)", 2), ("2/0*a", 2)]
)
def test_division_by_zero(text, position):
    err = fails(text)
    assert (err.message, err.position) == ("division by zero", position)


def test_concepts_cannot_multiply_or_divide_each_other():
    err = fails("a*b")
    assert (err.message, err.position) == ("cannot multiply two concepts", 1)
    err = fails("a / (b - c)")
    assert (err.message, err.position) == ("cannot divide by a concept", 4)
    err = fails("2 / a")
    assert (err.message, err.position) == ("cannot divide by a concept", 4)


@pytest.mark.parametrize(
    "text, shown, position",
    [("a @ b", "'@'", 2), ("a + b;", "';'", 5), ("a + é", "'é'", 4), ("a\x00", "'\\x00'", 1)],
)
def test_unexpected_character(text, shown, position):
    err = fails(text)
    assert err.message == f"unexpected character {shown}"
    assert err.position == position


def test_a_lone_dot_is_unexpected():
    err = fails("a + . b")
    assert (err.message, err.position) == ("unexpected character '.'", 4)


@pytest.mark.parametrize("text, position", [('a + "b', 4), ("'a", 0), ("a + 'b\"", 4)])
def test_unterminated_quote(text, position):
    err = fails(text)
    assert (err.message, err.position) == ("unterminated quote", position)


def test_empty_quoted_name():
    err = fails("a + ''")
    assert (err.message, err.position) == ("empty concept name", 4)


@pytest.mark.parametrize(
    "text, position",
    [('"a" "b"', 4), ("'a''b'", 3), ("a 'b'", 2), ("(a b)", 3), ("a 2", 2), ("2 2 a", 2)],
)
def test_expected_an_operator(text, position):
    err = fails(text)
    assert (err.message, err.position) == ("expected an operator", position)


@pytest.mark.parametrize(
    "text, message, position",
    [
        ("1e999*a", "number too large", 0),
        ("a * 1e400", "number too large", 4),
        ("1e300*1e300*a", "a weight is too large", 5),
        ("1e200 a * 1e200", "a weight is too large", 8),
        ("a / 1e-320", "a weight is too large", 2),
    ],
)
def test_non_finite_weights(text, message, position):
    err = fails(text)
    assert (err.message, err.position) == (message, position)


def test_non_finite_sum_only_fails_when_merged():
    text = "1e308*a + 1e308*a"
    assert terms_in_order(text, ABC) == [Term("a", 1e308), Term("a", 1e308)]
    with pytest.raises(ExprError) as info:
        parse(text, ABC)
    assert info.value.message == "the weight of 'a' is too large"
    assert info.value.position == 16


def test_caret_stays_aligned_under_tabs_and_newlines():
    text = "a +\t\n b @"
    err = fails(text)
    lines = str(err).split("\n")
    assert lines[1] == "  a +   b @"
    assert lines[1][2 + err.position] == "@"


def test_errors_come_in_the_order_they_are_written():
    err = fails("(a + b ) ) + xyz")
    assert (err.message, err.position) == ("unmatched ')'", 9)


def test_deep_nesting_is_an_error_not_a_crash():
    depth = MAX_DEPTH
    assert parse("(" * depth + "a" + ")" * depth, ABC) == [Term("a", 1.0)]
    err = fails("(" * 5000 + "a" + ")" * 5000)
    assert err.message.startswith("parentheses nested more than")
    assert err.position == MAX_DEPTH
    assert parse("-" * 5001 + "a", ABC) == [Term("a", -1.0)]


# ---- properties -----------------------------------------------------------------------------

PROPERTY_NAMES = ["man", "glasses man", "woman", "smiling woman", "e", "x1"]
ALPHABET = list("manglsswoiethx1d: \"'+-*/()0123456789.eE_") + ["\t", "\n", "é", "\u00a0", "∑"]


def check_terms(terms, names):
    assert isinstance(terms, list)
    for term in terms:
        assert isinstance(term, Term)
        assert term.name in names or seed_of(term.name) is not None
        assert type(term.weight) is float and math.isfinite(term.weight)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_any_text_parses_or_raises_expr_error(text):
    for fn in (parse, terms_in_order):
        try:
            terms = fn(text, PROPERTY_NAMES)
        except ExprError as err:
            assert err.text == text
            assert 0 <= err.position <= len(text)
            assert caret_column(err) == err.position
        else:
            check_terms(terms, PROPERTY_NAMES)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_any_unicode_text_parses_or_raises_expr_error(text):
    try:
        terms = parse(text, ["a", "b c"])
    except ExprError as err:
        assert caret_column(err) == err.position
    else:
        check_terms(terms, ["a", "b c"])


GRAMMAR_NAMES = ["man", "woman", "glasses man", "smiling woman", "neutral man"]
SCALARS = [("2", 2.0), ("0.5", 0.5), (".5", 0.5), ("5e-1", 0.5), ("3", 3.0), ("0.25", 0.25)]


@st.composite
def concept(draw):
    if draw(st.integers(0, 5)) == 0:  # a sample named by its seed
        n = draw(st.integers(0, 10**6))
        colon = draw(st.sampled_from([":", " :", ": ", " : "]))
        return (
            f"{draw(st.sampled_from(['seed', 'Seed', 'SEED']))}{colon}{n}",
            False,
            {f"seed:{n}": 1.0},
        )
    name = draw(st.sampled_from(GRAMMAR_NAMES))
    spelled = "".join(ch.upper() if draw(st.booleans()) else ch for ch in name)
    spelled = spelled.replace(" ", draw(st.sampled_from([" ", "  ", "\t"])))
    quote = draw(st.sampled_from(["", "", '"', "'"]))
    return (f"{quote}{spelled}{quote}", False, {name: 1.0})


def space(draw):
    return draw(st.sampled_from(["", " ", "  "]))


def scaled(weights, k):
    return {n: w * k for n, w in weights.items()}


@st.composite
def combine(draw, children):
    kind = draw(st.sampled_from(["sum", "diff", "mul", "rmul", "implicit", "div", "neg", "paren"]))
    a_text, a_composite, a = draw(children)
    wrapped = f"({a_text})" if a_composite else a_text
    s = space(draw)
    if kind in ("sum", "diff"):
        b_text, b_composite, b = draw(children)
        if kind == "diff":
            b = scaled(b, -1.0)
        right = f"({b_text})" if b_composite else b_text
        merged = dict(a)
        for n, w in b.items():
            merged[n] = merged.get(n, 0.0) + w
        op = "+" if kind == "sum" else "-"
        return (f"{a_text}{s}{op}{space(draw)}{right}", True, merged)
    if kind == "neg":
        return (f"-{s}{wrapped}", True, scaled(a, -1.0))
    if kind == "paren":
        return (f"({s}{a_text}{s})", False, a)
    k_text, k = draw(st.sampled_from(SCALARS))
    if kind == "mul":
        return (f"{k_text}{s}*{s}{wrapped}", True, scaled(a, k))
    if kind == "rmul":
        return (f"{wrapped}{s}*{s}{k_text}", True, scaled(a, k))
    if kind == "div":
        return (f"{wrapped}{s}/{s}{k_text}", True, {n: w / k for n, w in a.items()})
    # A number written directly before a concept scales that concept alone.
    if a_composite or a_text.startswith("("):
        return (f"{k_text}{s}*{s}{wrapped}", True, scaled(a, k))
    gap = " " if a_text[0] not in "\"'" else s
    return (f"{k_text}{gap}{a_text}", True, scaled(a, k))


expressions = st.recursive(concept(), combine, max_leaves=10)


@settings(max_examples=400, deadline=None)
@given(expressions)
def test_well_formed_expressions_give_their_linear_combination(expr):
    text, _, expected = expr
    got = parse(text, GRAMMAR_NAMES)
    assert [t.name for t in got] == list(expected)
    for term in got:
        assert math.isclose(term.weight, expected[term.name], rel_tol=1e-9, abs_tol=1e-9)
    # terms_in_order sums to the same combination.
    sums: dict[str, float] = {}
    for term in terms_in_order(text, GRAMMAR_NAMES):
        sums[term.name] = sums.get(term.name, 0.0) + term.weight
    assert list(sums) == list(expected)
    for name, weight in sums.items():
        assert math.isclose(weight, expected[name], rel_tol=1e-9, abs_tol=1e-9)


def test_a_seed_names_one_sample():
    terms = parse("seed:42 + glasses man - man", ["man", "glasses man"])
    assert [(t.name, t.weight) for t in terms] == [
        ("seed:42", 1.0),
        ("glasses man", 1.0),
        ("man", -1.0),
    ]
    assert seed_of("seed:42") == 42 and seed_of("man") is None
    assert [t.name for t in parse("0.5 * Seed: 7 - man", ["man"])] == ["seed:7", "man"]
    with pytest.raises(ExprError) as e:
        parse("man + seed:x", ["man"])
    assert e.value.position == len("man + seed:") and "whole number" in e.value.message
