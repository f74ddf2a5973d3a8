"""The safe formula evaluator: arithmetic, functions, vectorisation, and refusal of everything else."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atmpcli.errors import FormulaError
from atmpcli.scenario.formula import parse


def ev(text, **env):
    return parse(text).evaluate(env)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("2 ** 3", 8),
        ("1 - 0.5 ^ 2", 0.75),  # ^ is a power with a power's precedence (R and Excel habit)
        ("2 ^ 3 ^ 2", 512),  # right-associative like R
        ("-2 ^ 2", -4),
        ("7 % 3", 1),
        ("1e-3 * 1000", 1),
        ("min(3, 1, 2) + max(1, 5)", 6),
        ("exp(0) + log(1) + log(8, 2) + sqrt(4) + abs(-1)", 7),
        ("floor(2.7) + ceil(2.1)", 5),
        ("ifelse(2 > 1, 10, 20)", 10),
        ("10 if 1 > 2 else 20", 20),
        ("1 < 2 < 3", 1),
        ("1 < 2 and 3 < 2", 0),
        ("not 0", 1),
        ("true + false", 1),
    ],
)
def test_arithmetic(text, expected):
    assert ev(text) == pytest.approx(expected)


def test_rate_probability_helpers():
    assert ev("rate_to_prob(0.1)") == pytest.approx(1 - math.exp(-0.1))
    assert ev("rate_to_prob(0.1, 0.5)") == pytest.approx(1 - math.exp(-0.05))
    assert ev("prob_to_rate(0.2)") == pytest.approx(-math.log(0.8))
    assert ev("rescale_prob(0.2, 1 / 12)") == pytest.approx(1 - 0.8 ** (1 / 12))


def test_vectorised_over_samples_and_cycles():
    out = ev("p * cycle", p=np.array([0.1, 0.2]).reshape(2, 1, 1), cycle=np.arange(1, 4).reshape(1, 3, 1))
    assert out.shape == (2, 3, 1)
    assert out[1, 2, 0] == pytest.approx(0.6)


def test_names_are_collected():
    f = parse("a * b + min(c, 2)")
    assert f.names == {"a", "b", "c"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("a.b", "attribute access"),
        ("a[0]", "indexing"),
        ("(lambda: 1)()", "only named functions"),
        ("open('x')", "unknown function 'open'"),
        ("'text'", "unsupported value"),
        ("1 +", "cannot parse"),
        ("exp(1, 2)", "exp() takes 1 arguments"),
        ("min", "is a function"),
        ("", "empty formula"),
        ("x := 1", "cannot parse"),
        ("1 << 2", "unsupported operator"),
    ],
)
def test_refuses_unsafe_or_invalid(text, message):
    with pytest.raises(FormulaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(text).evaluate({"a": np.asarray(1.0)})


def test_division_by_zero_names_the_denominator():
    with pytest.raises(FormulaError, match=r"division by zero in '1 / \(a - 1\)' \(\(a - 1\) is 0\)|\(a - 1 is 0\)"):
        ev("1 / (a - 1)", a=np.asarray(1.0))


def test_non_finite_results_are_errors():
    with pytest.raises(FormulaError, match="not a finite number"):
        ev("exp(1000)")
    with pytest.raises(FormulaError, match="not positive"):
        ev("log(0)")


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(finite, finite, finite)
def test_matches_python_arithmetic(a, b, c):
    expected = a + b * c - a
    assert ev("a + b * c - a", a=a, b=b, c=c) == pytest.approx(expected, rel=1e-12, abs=1e-6)


@given(st.floats(min_value=0, max_value=5, allow_nan=False), st.floats(min_value=0.01, max_value=2))
def test_rate_and_probability_are_inverse(rate, t):
    p = ev("rate_to_prob(r, t)", r=rate, t=t)
    if p < 1:
        assert ev("prob_to_rate(p, t)", p=p, t=t) == pytest.approx(rate, rel=1e-9, abs=1e-12)


@settings(max_examples=300)
@given(st.text(alphabet="abc01.+-*/^()<>=!%, ifelsenotandorxyz_[]'\"", max_size=40))
def test_any_text_parses_or_fails_cleanly(text):
    # Whatever the text, the evaluator either returns an array or raises FormulaError: never another error.
    try:
        f = parse(text)
        f.evaluate({n: np.asarray(0.5) for n in f.names})
    except FormulaError:
        pass


def test_a_sum_that_overflows_is_not_mistaken_for_a_non_finite_value():
    """The finiteness check reads the sum first: finite values whose sum overflows still pass."""
    out = parse("x").evaluate({"x": np.array([1e308, 1e308])})
    assert np.array_equal(out, [1e308, 1e308])
    with pytest.raises(FormulaError, match="not a finite number"):
        parse("x * 10").evaluate({"x": np.array([1.0, 1e308])})


def test_factored_names_the_largest_movable_parts():
    """The parts a predicate accepts become new names; evaluating the parts and then the rest gives the
    same numbers as the formula as written."""
    f = parse("1 - (1 - p_bg) * exp(-((t1 / s) ^ k - (t0 / s) ^ k))")
    rest, parts = f.factored(lambda names: not names & {"p_bg"}, "part")
    assert list(parts) == ["part0"] and parts["part0"].names == {"t1", "t0", "s", "k"}
    assert rest.names == {"p_bg", "part0"}
    env = {"p_bg": np.array([[[0.01]], [[0.02]]]), "t1": np.arange(1.0, 4.0), "t0": np.arange(3.0), "s": 1.5}
    env["k"] = np.array([[[1.2]], [[0.9]]])
    expected = f.evaluate(env)
    assert np.array_equal(rest.evaluate({**env, "part0": parts["part0"].evaluate(env)}), expected)


def test_factored_leaves_names_numbers_and_table_calls_alone():
    assert parse("a * b").factored(lambda names: names == {"b"}, "p")[1] == {}  # a name is already a name
    table = parse("life(age) * (x + 1)", frozenset({"life"}))
    assert table.factored(lambda names: True, "p") == (table, {})
