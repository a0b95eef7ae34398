import re

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
        '<span class="gpnn-claim" id="claim-net-gp" data-claim="net &lt; gp" '
        f'title="{claims.TOOLTIP}">the network scores below the posterior mean</span>'
    )
    (record,) = claims.report()
    assert record == {
        "name": "net < gp",
        "text": "the network scores below the posterior mean",
        "condition": "net < gp",
        "values": {"net": 0.62, "gp": 0.64},
        "seeds": 20,
        "status": "holds",
        "anchor": "claim-net-gp",
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


def test_anchors_are_unique_on_a_page_and_start_afresh_after_reset():
    made = [claims.choose("ratio > 1", "above", "below", ratio=value, name="Side by side") for value in (2, 0.5, 3)]
    assert [m.anchor for m in made] == ["claim-side-by-side", "claim-side-by-side-2", "claim-side-by-side-3"]
    assert [r["anchor"] for r in claims.report()] == [m.anchor for m in made]
    claims.reset()
    assert claims.claim("x", "a > 0", a=1, name="Side by side").anchor == "claim-side-by-side"


def test_fields_quote_the_values_and_keep_them_exact_in_html():
    made = claims.claim(
        "the band shrinks to {ratio:.2f} of its width, the other widens {other:.1f}-fold & more",
        "ratio < 1 < other",
        ratio=0.83683,
        other=1.89999,
        name="gap",
    )
    assert str(made) == "the band shrinks to 0.84 of its width, the other widens 1.9-fold & more"
    shown = f"{made:html}"
    assert '<span class="gpnn-number" data-value="0.83683">0.84</span>' in shown
    assert '<span class="gpnn-number" data-value="1.89999">1.9</span>-fold &amp; more' in shown
    assert claims.report()[0]["text"] == str(made)
    with pytest.raises(ValueError, match=r"'text' quotes \['missing'\], which are not among the values \['a'\]"):
        claims.claim("{missing:.2f}", "a > 0", a=1)
    with pytest.raises(ValueError, match="malformed field"):
        claims.claim("{a:.2f", "a > 0", a=1)


@pytest.mark.parametrize(
    ("factor", "words"),
    [
        (1.0, "1 times"),
        (1.89999, "about 1.9 times"),
        (12.0, "12 times"),
        (1235.1, "about 1,200 times"),
        (8.1e6, "8.1 million times"),
        (8.14e6, "about 8.1 million times"),
        (3.2e9, "3.2 billion times"),
    ],
)
def test_factors_read_as_numbers(factor, words):
    assert claims.times(factor) == words
    made = claims.claim("it grows {f:times}", "f > 0", f=factor)
    assert str(made) == f"it grows {words}"


@pytest.mark.parametrize("factor", [0.5, float("inf"), -2.0])
def test_factors_below_one_or_infinite_are_refused(factor):
    with pytest.raises(ValueError, match="'factor' must be a finite number of at least 1"):
        claims.times(factor)


@pytest.mark.parametrize(
    ("place", "words"),
    [
        (0, "0th"),
        (1, "1st"),
        (2.0, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (101, "101st"),
        (111, "111th"),
    ],
)
def test_places_read_as_ordinals(place, words):
    assert claims.ordinal(place) == words
    made = claims.choose("p == 1", "it is the lowest", "it comes {p:ordinal}", p=place)
    assert str(made) == ("it is the lowest" if place == 1 else f"it comes {words}")


@pytest.mark.parametrize(
    ("values", "expected"),
    [([0.3], 1), ([0.3, 0.4, 0.5], 1), ([0.3, 0.3, 0.2], 2), ([0.5, 0.1, 0.2, 0.6], 3), ([0.9, 0.1, 0.2], 3)],
)
def test_the_first_value_s_place_counts_the_lower_ones_and_ties_in_its_favour(values, expected):
    assert claims.place(values) == expected


@pytest.mark.parametrize("values", [[], [0.3, float("inf")]])
def test_a_place_among_no_values_or_infinite_ones_is_refused(values):
    with pytest.raises(ValueError, match="'values' must hold finite numbers, at least one"):
        claims.place(values)


@pytest.mark.parametrize("place", [2.5, float("nan"), -1, float("inf")])
def test_places_that_are_not_whole_and_positive_are_refused(place):
    with pytest.raises(ValueError, match=r"'place' must (be a whole number of at least 0|not be NaN)"):
        claims.ordinal(place)


@pytest.mark.parametrize(
    "sentence",
    [
        "The ensemble's spread does not widen less than the GP's",
        "it is not any more accurate",
        "the band isn't narrower than the other",
        "small weights: median 3.240, from 3.240 to 3.240",
        "all runs end from 3.240 to 3.240.",
        "a ratio between 0.8 and 0.8",
    ],
)
def test_double_negatives_and_equal_ranges_are_refused(sentence):
    assert claims.wording_problems(sentence)
    with pytest.raises(ValueError, match="reads like a template"):
        claims.claim(sentence, "a > 0", a=1)
    with pytest.raises(ValueError, match="reads like a template"):
        claims.choose("a > 0", sentence, "fine", a=1)
    assert claims.report() == []


@pytest.mark.parametrize(
    "sentence",
    [
        "The ensemble's spread shrinks to 0.84 of its width while the GP's band widens 1.9-fold",
        "a lower training loss is not by itself a better estimate of the function",
        "it did not converge, and the loss is higher",
        "from 0.338 to 0.545",
        "from 3.24 to 3.240",
        "from 3.2 to 3.24.",
        "between 10 and 100",
    ],
)
def test_plain_sentences_pass(sentence):
    assert claims.wording_problems(sentence) == []


def test_a_spread_names_a_degenerate_distribution():
    def plain(text):
        return re.sub(r"<[^>]+>", "", text)

    assert plain(claims.spread([0.338, 0.545, 0.366])) == "median 0.366, from 0.338 to 0.545"
    assert plain(claims.spread([1.0, 2.0, 3.0, 4.0], ".1f")) == "median 2.5, from 1.0 to 4.0"
    assert plain(claims.spread([3.2401, 3.2399] * 4)) == "all 8 runs end at 3.240"
    assert plain(claims.spread([3.24], noun="seeds")) == "the one run ends at 3.240"
    assert 'data-value="3.24"' in claims.spread([3.24, 3.24])
    with pytest.raises(ValueError, match="'values' must hold finite numbers"):
        claims.spread([])
    with pytest.raises(ValueError, match="'values' must hold finite numbers"):
        claims.spread([1.0, float("inf")])
