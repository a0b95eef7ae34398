import numpy as np
import pytest

from gpnn.site import claims


@pytest.fixture(autouse=True)
def fresh_registry():
    claims.reset()
    yield
    claims.reset()


def test_a_true_claim_prints_as_its_sentence_and_is_recorded():
    made = claims.claim(
        "the network scores below the posterior mean", "net < gp", net=0.62, gp=np.float64(0.64), seeds=20
    )
    assert str(made) == f"{made}" == "the network scores below the posterior mean"
    assert f"{made:html}" == (
        '<span class="gpnn-claim" data-claim="net &lt; gp">the network scores below the posterior mean</span>'
    )
    (record,) = claims.report()
    assert record == {
        "name": "net < gp",
        "text": "the network scores below the posterior mean",
        "condition": "net < gp",
        "values": {"net": 0.62, "gp": 0.64},
        "seeds": 20,
        "status": "holds",
    }


def test_a_false_claim_raises_naming_it_and_is_not_recorded():
    with pytest.raises(
        claims.ClaimError, match=r"Claim 'order' is false: net < gp does not hold for net = 0\.7, gp = 0\.6"
    ):
        claims.claim("the network scores below the posterior mean", "net < gp", name="order", net=0.7, gp=0.6)
    assert claims.report() == []


def test_conditional_wording_follows_the_numbers():
    above = claims.choose("ratio > 1", "above", "below", ratio=1.7, name="side")
    below = claims.choose("ratio > 1", "above", "below", ratio=0.9, name="side")
    assert (str(above), str(below)) == ("above", "below")
    assert [r["condition"] for r in claims.report()] == ["ratio > 1", "not (ratio > 1)"]


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ("a < b < c", {"a": 1, "b": 2, "c": 3}, True),
        ("a < b < c", {"a": 1, "b": 3, "c": 2}, False),
        ("abs(a - b) <= 0.1 * max(a, b)", {"a": 1.0, "b": 1.05}, True),
        ("not (a > b) and (a == a or b != b)", {"a": 1, "b": 2}, True),
        ("a ** 2 / b - -1 >= min(a, b)", {"a": 2, "b": 4}, True),
        ("a > 1 or b > 1", {"a": 0, "b": 0}, False),
    ],
)
def test_conditions_evaluate_as_arithmetic_and_logic(condition, values, expected):
    assert claims.evaluate(condition, values) is expected


@pytest.mark.parametrize(
    ("condition", "values", "error", "match"),
    [
        ("__import__('os')", {}, ValueError, r"uses \['__import__'\], which are not among the values"),
        ("[a][0] > 0", {"a": 1.0}, ValueError, "may only use arithmetic"),
        ("a.real > 0", {"a": 1.0}, ValueError, "may only use arithmetic"),
        ("a <", {"a": 1.0}, ValueError, "must be an expression"),
        ("a < b", {"a": 1.0}, ValueError, r"uses \['b'\], which are not among the values \['a'\]"),
        ("a < 1", {"a": "x"}, TypeError, r"Value 'a' must be a real number, but a = 'x'"),
        ("a < 1", {"a": float("nan")}, ValueError, "Value 'a' must not be NaN"),
    ],
)
def test_bad_conditions_and_values_are_refused(condition, values, error, match):
    with pytest.raises(error, match=match):
        claims.claim("something", condition, **values)


def test_text_and_seeds_are_checked():
    with pytest.raises(ValueError, match="'text' must be a non-empty sentence"):
        claims.claim(" ", "a > 0", a=1)
    with pytest.raises(ValueError, match=r"'seeds' must be at least 1, but seeds = 0"):
        claims.claim("x", "a > 0", a=1, seeds=0)
