"""Inputs the text and OpenMetrics renderer tests share: signed zeros over scrapes, and sample values."""

from __future__ import annotations

from hypothesis import strategies as st

from edgetop.model.spec import Labels

# 0.0 and -0.0 are one key to a dict; 1.0 ... 4.0 make a family's kept texts start over.
SIGNED_ZERO_SCRAPES = ([0.0, 5.0], [-0.0, 5.0], [-0.0, 0.0], [0.0, -0.0], [0.0, 5.0], [-0.0, -1.0],
                       [1.0, 2.0], [3.0, 4.0], [-0.0, 7.0], [0.0, 8.0])


def sample_values(special: tuple[float, ...] = ()) -> st.SearchStrategy[float | int]:
    """Values a collector hands the exporter: any float, exact and inexact counters, ints, edge cases."""
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=0, max_value=2**64).map(float),  # counters, exact or not
        st.integers(min_value=10**6, max_value=2**53),  # an int collectors did not convert
        st.sampled_from([0, 1, 0.0, -0.0, *special, 1e6, 999999.9999999999, 2.0**53, 2.0**53 + 2, 1e16,
                         123456789012.0]),
    )


def vm(name: str) -> Labels:
    """A domain's label set."""
    return (("domain", name), ("uuid", f"uuid-{name}"))
