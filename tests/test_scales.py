"""Verbal scales, ACH ratings and source grades (``plausible.model.betafit``, ``plausible.model.scales``).

Independent truth: SciPy's regularised incomplete beta function and Beta distribution, the closed form of
one-tailed bands, and the tables of the built-in model file read with plain PyYAML.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from scipy import special, stats

from plausible.model.betafit import beta_cdf, fit_beta_to_band
from plausible.model.scales import ModelSpec, builtin_model_text
from plausible.model.schema.model import ModelFile

REPO = Path(__file__).resolve().parents[1]
BUILTIN = REPO / "src" / "plausible" / "data" / "default-model.yaml"
TABLES: dict[str, Any] = yaml.safe_load(BUILTIN.read_text(encoding="utf-8"))

ALL_BANDS = sorted(
    {(float(entry["band"][0]), float(entry["band"][1])) for entries in TABLES["scales"].values() for entry in entries}
    | {(float(b[0]), float(b[1])) for b in TABLES["ach_ratings"].values() if b is not None}
)
ICD203 = [(entry["terms"], tuple(entry["band"])) for entry in TABLES["scales"]["icd203"]]
PHIA = [(entry["terms"], tuple(entry["band"])) for entry in TABLES["scales"]["phia"]]
KENT = [(entry["terms"], tuple(entry["band"])) for entry in TABLES["scales"]["kent"]]


# --- beta_cdf against SciPy -----------------------------------------------------------------------------------


def _max_error(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    mine = np.array([beta_cdf(float(xi), float(ai), float(bi)) for xi, ai, bi in zip(x, a, b, strict=True)])
    return float(np.max(np.abs(mine - special.betainc(a, b, x))))


@pytest.mark.parametrize(
    ("low", "high"),
    [(0.01, 5000.0), (0.001, 0.1), (1.0, 100.0), (100.0, 10_000.0)],
    ids=["wide", "small", "moderate", "large"],
)
def test_beta_cdf_matches_scipy_on_a_seeded_uniform_grid(low: float, high: float) -> None:
    rng = np.random.default_rng(20150428)
    n = 600
    a = np.exp(rng.uniform(np.log(low), np.log(high), n))
    b = np.exp(rng.uniform(np.log(low), np.log(high), n))
    x = rng.uniform(0.0, 1.0, n)
    assert _max_error(x, a, b) < 1e-10


@pytest.mark.parametrize(("low", "high"), [(0.05, 1.0), (1.0, 100.0), (100.0, 10_000.0)], ids=["small", "moderate", "large"])
def test_beta_cdf_matches_scipy_in_the_bulk_of_the_distribution(low: float, high: float) -> None:
    # Uniform x mostly lands where the CDF is 0 or 1 for large shapes; sample x from the distribution itself.
    rng = np.random.default_rng(7)
    n = 600
    a = np.exp(rng.uniform(np.log(low), np.log(high), n))
    b = np.exp(rng.uniform(np.log(low), np.log(high), n))
    x = stats.beta.ppf(rng.uniform(0.001, 0.999, n), a, b)
    x = np.clip(x, 1e-300, 1.0 - 1e-16)
    assert _max_error(x, a, b) < 1e-10


def test_beta_cdf_boundaries_and_symmetry() -> None:
    assert beta_cdf(0.0, 2.0, 3.0) == 0.0
    assert beta_cdf(-0.5, 2.0, 3.0) == 0.0
    assert beta_cdf(1.0, 2.0, 3.0) == 1.0
    assert beta_cdf(1.5, 2.0, 3.0) == 1.0
    rng = np.random.default_rng(3)
    for _ in range(50):
        x, a, b = rng.uniform(0.01, 0.99), rng.uniform(0.1, 50), rng.uniform(0.1, 50)
        assert beta_cdf(x, a, b) == pytest.approx(1.0 - beta_cdf(1.0 - x, b, a), abs=1e-12)
    # Closed forms: I_x(1, b) = 1 - (1 - x)^b and I_x(a, 1) = x^a.
    assert beta_cdf(0.3, 1.0, 4.0) == pytest.approx(1.0 - 0.7**4, abs=1e-14)
    assert beta_cdf(0.3, 3.0, 1.0) == pytest.approx(0.3**3, abs=1e-14)


# --- fit_beta_to_band ---------------------------------------------------------------------------------------


def test_the_built_in_model_has_two_tailed_and_one_tailed_bands() -> None:
    assert len(ALL_BANDS) >= 15
    assert any(low == 0.0 for low, _ in ALL_BANDS)
    assert any(high == 1.0 for _, high in ALL_BANDS)


@pytest.mark.parametrize("mass", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("band", ALL_BANDS, ids=[f"{lo:g}-{hi:g}" for lo, hi in ALL_BANDS])
def test_fit_puts_exactly_mass_inside_every_band_with_equal_tails(band: tuple[float, float], mass: float) -> None:
    low, high = band
    a, b = fit_beta_to_band(low, high, mass)
    dist = stats.beta(a, b)
    assert dist.cdf(high) - dist.cdf(low) == pytest.approx(mass, abs=1e-9)
    if low == 0.0:
        assert a == 1.0
        assert dist.cdf(high) == pytest.approx(mass, abs=1e-12)
    elif high == 1.0:
        assert b == 1.0
        assert dist.sf(low) == pytest.approx(mass, abs=1e-12)
    else:
        tail = (1.0 - mass) / 2.0
        assert dist.cdf(low) == pytest.approx(tail, abs=1e-9)
        assert dist.sf(high) == pytest.approx(tail, abs=1e-9)
    if mass >= 0.9:  # with most of the mass inside, so is the mean (not so for a loose one-tailed fit)
        assert low < dist.mean() < high


@pytest.mark.parametrize("mass", [0.5, 0.75, 0.9])
@pytest.mark.parametrize("edge", [0.05, 0.2, 0.5])
def test_one_tail_closed_forms(edge: float, mass: float) -> None:
    # Beta(1, b): P(X <= h) = 1 - (1 - h)^b = mass.  Beta(a, 1): P(X >= l) = 1 - l^a = mass.
    a, b = fit_beta_to_band(0.0, edge, mass)
    assert a == 1.0
    assert b == pytest.approx(math.log(1.0 - mass) / math.log(1.0 - edge), rel=1e-14)
    a, b = fit_beta_to_band(1.0 - edge, 1.0, mass)
    assert b == 1.0
    assert a == pytest.approx(math.log(1.0 - mass) / math.log(1.0 - edge), rel=1e-14)


def test_fit_of_mirrored_bands_is_mirrored() -> None:
    a, b = fit_beta_to_band(0.2, 0.45)
    b2, a2 = fit_beta_to_band(0.55, 0.8)
    assert (a, b) == pytest.approx((a2, b2), rel=1e-8)


@pytest.mark.parametrize(
    ("low", "high", "mass"),
    [(0.0, 1.0, 0.9), (0.5, 0.4, 0.9), (0.3, 0.3, 0.9), (-0.1, 0.3, 0.9), (0.2, 1.1, 0.9), (0.2, 0.4, 0.0),
     (0.2, 0.4, 1.0)],
)
def test_invalid_band_or_mass_raises(low: float, high: float, mass: float) -> None:
    with pytest.raises(ValueError, match=r"band|mass"):
        fit_beta_to_band(low, high, mass)


# --- ModelSpec: terms ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("terms", "band"), ICD203, ids=[t[0] for t, _ in ICD203])
def test_every_icd203_term_has_its_beta_mean_inside_its_band(terms: list[str], band: tuple[float, float]) -> None:
    spec = ModelSpec()
    for term in terms:
        judgment = spec.judgment(term)
        assert not judgment.is_point
        assert band[0] < judgment.mean < band[1]
        assert judgment.mean == pytest.approx(stats.beta(judgment.alpha, judgment.beta).mean(), rel=1e-12)
        inside = stats.beta.cdf(band[1], judgment.alpha, judgment.beta) - stats.beta.cdf(
            band[0], judgment.alpha, judgment.beta)
        assert inside == pytest.approx(TABLES["band_mass"], abs=1e-9)


@pytest.mark.parametrize(("terms", "band"), ICD203, ids=[t[0] for t, _ in ICD203])
def test_synonyms_give_the_same_judgment(terms: list[str], band: tuple[float, float]) -> None:
    spec = ModelSpec()
    assert len(terms) == 2
    first, second = (spec.judgment(t) for t in terms)
    assert (first.mean, first.alpha, first.beta) == (second.mean, second.alpha, second.beta)


@pytest.mark.parametrize("written", ["Very Likely", "VERY LIKELY", "very-likely", "very_likely", "  very   likely ",
                                     "Very-Likely", "highly-probable", "Highly Probable"])
def test_terms_ignore_case_hyphens_and_spaces(written: str) -> None:
    spec = ModelSpec()
    expected = spec.judgment("very likely")
    found = spec.judgment(written)
    assert (found.mean, found.alpha, found.beta) == (expected.mean, expected.alpha, expected.beta)


def test_a_number_is_a_point_judgment() -> None:
    judgment = ModelSpec().judgment(0.7)
    assert judgment.is_point and judgment.mean == 0.7


@pytest.mark.parametrize(("typo", "meant"), [("likly", "likely"), ("very unlikley", "very unlikely"),
                                              ("remot", "remote"),
                                              # a term inside a longer phrase is the one meant, not the closest
                                              # spelling ('quite likely' is nearer 'unlikely' letter by letter)
                                              ("quite likely", "likely"), ("quite unlikely", "unlikely"),
                                              ("very very likely", "very likely")])
def test_unknown_term_raises_with_did_you_mean(typo: str, meant: str) -> None:
    with pytest.raises(ValueError, match=f"unknown verbal term '{typo}'; did you mean '{meant}'\\?"):
        ModelSpec().judgment(typo)


def test_unknown_term_without_a_close_match_lists_what_is_expected() -> None:
    with pytest.raises(ValueError) as exc:
        ModelSpec().judgment("zzzzzz")
    message = str(exc.value)
    assert "did you mean" not in message
    assert "roughly even chance" in message and "CC" in message


@pytest.mark.parametrize("term", ["probably not", "chances about even", "we believe not"])
def test_a_term_of_the_kent_scale_says_so(term: str) -> None:
    with pytest.raises(ValueError, match=f"'{term}' is a term of the kent scale"):
        ModelSpec().judgment(term)


def test_a_term_of_the_phia_scale_says_so() -> None:
    with pytest.raises(ValueError, match="is a term of the phia scale"):
        ModelSpec().judgment("realistic possibility")


def test_with_the_phia_scale_its_terms_are_read() -> None:
    spec = ModelSpec(ModelFile(likelihood_scale="phia"))
    judgment = spec.judgment("realistic possibility")
    assert 0.40 < judgment.mean < 0.50
    with pytest.raises(ValueError, match="is a term of the icd203 scale"):
        spec.judgment("roughly even chance")


# --- ModelSpec: ACH ratings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rating", ["CC", "C", "N", "I", "II"])
def test_ach_ratings_map_to_their_bands(rating: str) -> None:
    low, high = TABLES["ach_ratings"][rating]
    judgment = ModelSpec().judgment(rating)
    assert not judgment.not_applicable
    assert (judgment.alpha, judgment.beta) == pytest.approx(fit_beta_to_band(low, high, TABLES["band_mass"]))
    dist = stats.beta(judgment.alpha, judgment.beta)
    assert dist.cdf(high) - dist.cdf(low) == pytest.approx(TABLES["band_mass"], abs=1e-9)
    assert low < judgment.mean < high


def test_ach_ratings_are_ordered() -> None:
    spec = ModelSpec()
    means = [spec.judgment(r).mean for r in ("II", "I", "N", "C", "CC")]
    assert means == sorted(means)


def test_na_is_not_applicable() -> None:
    judgment = ModelSpec().judgment("NA")
    assert judgment.not_applicable
    assert judgment.label == "NA"


# --- describe -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "term"),
    [(0.55, "roughly even chance"), (0.45, "roughly even chance"), (0.80, "likely"), (0.20, "unlikely"),
     (0.05, "very unlikely"), (0.95, "very likely")],
)
def test_shared_edges_take_the_less_extreme_term(value: float, term: str) -> None:
    assert ModelSpec().describe(value) == term


def _interior(band: tuple[float, float], n: int = 25) -> list[float]:
    return [float(v) for v in np.linspace(band[0], band[1], n + 2)[1:-1]]


@pytest.mark.parametrize(("scale", "table"), [("icd203", ICD203), ("kent", KENT), ("phia", PHIA)])
def test_every_interior_point_of_a_band_gets_its_term(scale: str, table: list[Any]) -> None:
    spec = ModelSpec(ModelFile(likelihood_scale=scale))
    for terms, band in table:
        for value in _interior(band):
            assert spec.describe(value) == terms[0], (scale, value)


@pytest.mark.parametrize("value", [0.07, 0.06, 0.22, 0.37, 0.52, 0.77, 0.92])
def test_a_value_in_a_phia_gap_has_no_term(value: float) -> None:
    assert ModelSpec(ModelFile(likelihood_scale="phia")).describe(value) is None


def test_describe_never_overstates_on_any_icd203_edge() -> None:
    spec = ModelSpec()
    middle = {terms[0]: abs((band[0] + band[1]) / 2 - 0.5) for terms, band in ICD203}
    edges = sorted({edge for _, band in ICD203 for edge in band})
    for edge in edges:
        candidates = [terms[0] for terms, band in ICD203 if band[0] <= edge <= band[1]]
        assert spec.describe(edge) == min(candidates, key=middle.__getitem__)


# --- reliability and credibility ------------------------------------------------------------------------------


@pytest.mark.parametrize(("grade", "mean"), [("A", 0.95), ("B", 0.8), ("C", 0.6), ("D", 0.3), ("E", 0.1), ("F", 0.5)])
def test_reliability_grades_map_to_beta_means(grade: str, mean: float) -> None:
    reliability = ModelSpec().reliability(grade)
    assert reliability.mean == pytest.approx(mean, abs=1e-12)
    assert stats.beta(reliability.alpha, reliability.beta).mean() == pytest.approx(mean, abs=1e-12)


def test_reliability_as_number_is_a_point() -> None:
    reliability = ModelSpec().reliability(0.7)
    assert reliability.mean == 0.7 and reliability.alpha is None


@pytest.mark.parametrize(("credibility", "factor"),
                         [(None, 1.0), (1, 1.0), (2, 0.9), (3, 0.75), (4, 0.5), (5, 0.25), (6, 1.0)])
def test_credibility_factors(credibility: int | None, factor: float) -> None:
    assert ModelSpec().credibility_factor(credibility) == factor


def test_a_model_file_overrides_only_what_it_gives() -> None:
    spec = ModelSpec(ModelFile.model_validate({"band_mass": 0.8}))
    a, b = fit_beta_to_band(0.55, 0.80, 0.8)
    assert spec.judgment("likely").mean == pytest.approx(a / (a + b), rel=1e-12)
    assert spec.reliability("B").mean == pytest.approx(0.8)


# --- the documented tables cannot drift ---------------------------------------------------------------------


def test_repository_default_model_is_byte_identical_to_the_built_in() -> None:
    assert (REPO / "models" / "default.yaml").read_bytes() == BUILTIN.read_bytes()


def test_builtin_model_text_is_the_packaged_file() -> None:
    assert builtin_model_text() == BUILTIN.read_text(encoding="utf-8")
