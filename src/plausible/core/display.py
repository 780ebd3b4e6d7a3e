"""How numbers are shown to a reader, the same in the terminal and in briefings.

Each kind of quantity has one displayed precision, used by every table of the command line (and by the
tests that check a command's table against its ``--json``):

==========================  ====================================  ==============================
quantity                    rule                                  function
==========================  ====================================  ==============================
probability (and shares)    one decimal below 10%, none from 10%  :func:`percent`
weight of evidence          decibans (dB), signed, one decimal    :func:`decibans`
information, value of info  bits, three decimals                  :func:`bits`
source reliability          two decimals                          :func:`reliability`
likelihood (a judgment)     three decimals                        :func:`likelihood`
forecast score              three decimals                        :func:`score`
==========================  ====================================  ==============================
"""

from __future__ import annotations

__all__ = ["bits", "count", "decibans", "likelihood", "noise_scale", "percent", "reliability", "score"]


def percent(p: float) -> str:
    """A probability as a percentage: one decimal below 10%, none from 10% up.

    Examples
    --------
    >>> percent(0.44498), percent(0.0737), percent(0.0996), percent(1.0)
    ('44%', '7.4%', '10%', '100%')
    """
    value = 100.0 * p
    return f"{value:.1f}%" if value < 9.95 else f"{value:.0f}%"


def decibans(weight: float) -> str:
    """A weight of evidence in decibans (the unit is written dB), signed, one decimal.

    Examples
    --------
    >>> decibans(3.14159), decibans(-2.5), decibans(-0.04)
    ('+3.1', '-2.5', '+0.0')
    """
    text = f"{weight:+.1f}"
    return "+0.0" if text == "-0.0" else text


def bits(value: float) -> str:
    """An amount of information (bits), three decimals.

    Examples
    --------
    >>> bits(0.12345), bits(2.0)
    ('0.123', '2.000')
    """
    return f"{value:.3f}"


def reliability(value: float) -> str:
    """A source's reliability (a probability of reporting truly, 0 to 1), two decimals.

    Examples
    --------
    >>> reliability(0.8), reliability(0.456)
    ('0.80', '0.46')
    """
    return f"{value:.2f}"


def noise_scale(value: float) -> str:
    """An analyst's noise scale learned by the MCMC engine (a standard deviation on the probit scale), two decimals.

    Examples
    --------
    >>> noise_scale(0.3), noise_scale(1.234)
    ('0.30', '1.23')
    """
    return f"{value:.2f}"


def score(value: float | None) -> str:
    """A forecast score (Brier, log, RPS), three decimals; an en dash when there is none.

    Examples
    --------
    >>> score(0.12345), score(None)
    ('0.123', '–')
    """
    return "–" if value is None else f"{value:.3f}"


def likelihood(value: float) -> str:
    """A likelihood or the value a judgment is read at (as in docs/format.md's scale tables), three decimals.

    Examples
    --------
    >>> likelihood(0.02678), likelihood(0.5)
    ('0.027', '0.500')
    """
    return f"{value:.3f}"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """A number of things, with the noun in the singular for one.

    Examples
    --------
    >>> count(1, "hypothesis set"), count(3, "hypothesis set"), count(2, "hypothesis", "hypotheses")
    ('1 hypothesis set', '3 hypothesis sets', '2 hypotheses')
    """
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
