r"""The standard normal distribution function and density together, over whole arrays, vectorised.

The noise model's kernel needs :math:`\Phi(u)` and :math:`\varphi(u)` at every linear cell and at every
quadrature node of a corroborated cell: about 55,000 pairs per evaluation with 20 hypotheses and 2,000 items.
libm's ``erfc`` and ``exp`` are scalar calls (about 24 ns a pair here); :func:`fill_cdf_and_pdf` is plain
arithmetic and table lookups, which LLVM vectorises (about 6 ns a pair; ``benchmarks/normal.py``).

Both share :math:`e = \exp(-u^2/2)`: :math:`\varphi(u) = e / \sqrt{2\pi}` and
:math:`\Phi(-|u|) = \tfrac12 e \operatorname{erfcx}(|u|/\sqrt2)`, where the scaled complementary error
function erfcx is smooth and bounded.

- erfcx is a piecewise polynomial on [0, 28) (intervals of width 1/8, degree 8, each interpolating SciPy's
  ``erfcx`` at its Chebyshev points); beyond 27.3, :math:`e` underflows and the table's last piece serves.
- :math:`e = 2^k e^r` with :math:`r = y - k \ln 2`, :math:`|r| \le \ln 2 / 2` (ln 2 split in two parts, so
  that r is exact), :math:`e^r` by its Taylor polynomial of degree 13 (truncation below 1e-17), and
  :math:`2^k` from a table.

The tables are built at import (SciPy, NumPy, ``decimal``): nothing here is a copied constant. Against SciPy,
``tests/test_normal.py`` bounds the relative error of :math:`\Phi(u)` for u < 0 by 1e-12 (most of it the
rounding of :math:`u^2/2` before the exponential, which any implementation has), its absolute error for
u >= 0 by 4e-15, and the density's relative error by 2e-15. Each element is computed by the same
operations whether the loop runs vectorised or not, so results do not depend on the array's length.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from typing import Any

import numba
import numpy as np
from numpy.polynomial import chebyshev
from numpy.typing import NDArray
from scipy.special import erfcx

__all__ = ["cdf_and_pdf", "fill_cdf_and_pdf"]

_WIDTH = 0.125
"""Width of each piece of erfcx."""
_DEGREE = 8
_REACH = 28.0
"""erfcx is tabulated on [0, _REACH); e underflows beyond z = 27.3."""
_LAST = _REACH - 2.0 * _WIDTH / 3.0
"""Largest z looked up: inside the last piece."""
_FLOOR = -745.0
"""ln of the smallest positive double, about: below it e is 0 (or 2^-1075, which rounds to 0)."""
_SQRT_HALF = math.sqrt(0.5)
_INVERSE_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_LOG2E = 1.0 / math.log(2.0)
_POWER_OFFSET = 1100
"""2^k for k in [-_POWER_OFFSET, 0], at index k + _POWER_OFFSET."""


_interpolate: Any = chebyshev.chebinterpolate
"""NumPy's Chebyshev interpolation (its stubs type the function as returning a scalar)."""


def _pieces() -> NDArray[np.float64]:
    """Each piece's polynomial in s in [-1, 1] (power coefficients, lowest first), one row per piece."""
    table = np.empty((round(_REACH / _WIDTH), _DEGREE + 1))
    for i in range(table.shape[0]):
        def piece(s: NDArray[np.float64], low: float = i * _WIDTH) -> NDArray[np.float64]:
            out: NDArray[np.float64] = erfcx(low + (s + 1.0) * (_WIDTH / 2.0))
            return out

        table[i] = chebyshev.cheb2poly(_interpolate(piece, _DEGREE))
    return table


def _ln2_parts() -> tuple[float, float]:
    """The natural logarithm of 2 as hi + lo, hi with its low 32 mantissa bits zero (k hi exact for |k| < 2^20)."""
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(2).ln()
        bits = np.array([float(exact)]).view(np.uint64) & np.uint64(0xFFFFFFFF00000000)
        hi = float(bits.view(np.float64)[0])
        lo = float(exact - Decimal(hi))
    return hi, lo


ERFCX_TABLE = _pieces()
_LN2_HI, _LN2_LO = _ln2_parts()
_POWERS = np.ldexp(1.0, np.arange(-_POWER_OFFSET, 1))
_TAYLOR_DEGREE = 13
_TAYLOR = np.array([1.0 / math.factorial(n) for n in range(_TAYLOR_DEGREE + 1)])


@numba.njit(cache=True, error_model="numpy", inline="always", boundscheck=False)
def cdf_and_pdf(u: float) -> tuple[float, float]:
    r""":math:`(\Phi(u), \varphi(u))` of the standard normal.

    Examples
    --------
    >>> cdf, pdf = cdf_and_pdf(-1.0)
    >>> round(cdf, 12), round(pdf, 12)
    (0.158655253931, 0.241970724519)
    """
    table = ERFCX_TABLE
    powers = _POWERS
    taylor = _TAYLOR
    z = abs(u) * _SQRT_HALF
    z = z if z < _LAST else _LAST
    piece = math.floor(z * (1.0 / _WIDTH))
    row = numba.uint64(piece)
    s = (z - piece * _WIDTH) * (2.0 / _WIDTH) - 1.0
    t = table[row, _DEGREE]
    for d in range(_DEGREE - 1, -1, -1):
        t = t * s + table[row, d]
    y = -0.5 * u * u
    y = y if y > _FLOOR else _FLOOR
    k = math.floor(y * _LOG2E + 0.5)
    r = (y - k * _LN2_HI) - k * _LN2_LO
    p = taylor[_TAYLOR_DEGREE]
    for d in range(_TAYLOR_DEGREE - 1, -1, -1):
        p = p * r + taylor[d]
    e = p * powers[numba.uint64(k + _POWER_OFFSET)]
    lower = 0.5 * e * t
    cdf = lower if u < 0.0 else 1.0 - lower
    pdf = e * _INVERSE_SQRT_2PI
    if u != u:  # NaN in, NaN out (a select: the loop still vectorises)
        cdf = u
        pdf = u
    return cdf, pdf


@numba.njit(cache=True, error_model="numpy", boundscheck=False)
def fill_cdf_and_pdf(u: NDArray[np.float64], cdf: NDArray[np.float64], pdf: NDArray[np.float64], count: int) -> None:
    """``cdf[i], pdf[i] = cdf_and_pdf(u[i])`` for i < count (a loop LLVM vectorises)."""
    for i in range(count):
        cdf[i], pdf[i] = cdf_and_pdf(u[i])
