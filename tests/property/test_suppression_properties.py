"""Disclosure control over random linked tables: no published count below the threshold, and no
suppressed cell (nor a small change between versions) that an attacker can narrow down more
than the protection level allows, from everything published for the period.

The attacker here is the test's own: it builds the linear programs from the cells' definitions
(which microcells each sums) and solves them with scipy directly, not through
pipeline.disclosure_control.audit.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from pipeline.disclosure_control.control import Control, Nullen
from pipeline.disclosure_control.suppression import Earlier, protect
from pipeline.disclosure_control.tables import build_space

DIMENSIONS = {"a": ("a1", "a2", "a3"), "b": ("b1", "b2"), "c": ("c1", "c2", "c3")}


@st.composite
def publications(draw):
    names = draw(st.lists(st.sampled_from(sorted(DIMENSIONS)), min_size=1, max_size=3, unique=True))
    tables = draw(
        st.lists(
            st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True).map(tuple),
            min_size=1,
            max_size=2,
            unique=True,
        )
    )
    used = list(dict.fromkeys(d for t in tables for d in t))
    space = build_space(tables, {d: DIMENSIONS[d] for d in used})
    small = st.integers(0, 14) | st.integers(0, 3)
    counts = np.array(
        draw(st.lists(small, min_size=space.size, max_size=space.size)), dtype=np.int64
    )
    threshold = draw(st.sampled_from([10, 12]))
    rounding = draw(st.sampled_from([None, *[b for b in (2, 5, 10) if threshold % b == 0]]))
    control = Control(
        threshold=threshold,
        protection=draw(st.sampled_from([threshold, threshold // 2])),
        zeros=draw(st.sampled_from(list(Nullen))),
        rounding=rounding,
    )
    return space, counts, control


def attacker_range(space, versions, published, quantity) -> tuple[float, float]:
    """min and max of ``quantity`` (a vector over the increments of every version) given every
    published cell of every version (their exact counts) and increments that are not negative."""
    m, k = space.size, len(versions)
    rows, rhs = [], []
    for version, shown in enumerate(published):
        for cell in shown:
            row = np.zeros(k * m)
            for layer in range(version + 1):
                row[layer * m + space.cells[cell].members] = 1
            rows.append(row)
            rhs.append(int(versions[version][space.cells[cell].members].sum()))
    kwargs = {"A_eq": np.array(rows), "b_eq": np.array(rhs)} if rows else {}
    low = linprog(quantity, bounds=(0, None), method="highs", **kwargs)
    high = linprog(-quantity, bounds=(0, None), method="highs", **kwargs)
    assert low.status == 0
    return low.fun, math.inf if high.status == 3 else -high.fun


def cell_vector(space, k, cell, version, since=None) -> np.ndarray:
    vector = np.zeros(k * space.size)
    for layer in range(0 if since is None else since + 1, version + 1):
        vector[layer * space.size + space.cells[cell].members] = 1
    return vector


def whole_width(low: float, high: float) -> float:
    """The width of the range of whole counts in [low, high]."""
    if high == math.inf:
        return math.inf
    return math.floor(high + 1e-6) - math.ceil(low - 1e-6)


def check_release(space, versions, results, control):
    published = [frozenset(r.shown) for r in results]
    k = len(versions)
    for version, result in enumerate(results):
        for cell, shown in result.shown.items():
            assert shown >= control.threshold or (shown == 0 and control.zeros is Nullen.TONEN)
            assert shown == 0 or result.values[cell] >= control.threshold
        for cell in result.suppressed:
            low, high = attacker_range(
                space, versions, published, cell_vector(space, k, cell, version)
            )
            assert whole_width(low, high) >= control.protection, (
                f"version {version} cell {space.cells[cell].key}: [{low}, {high}]"
            )
    for version, since in itertools.combinations(range(k), 2):
        version, since = max(version, since), min(version, since)
        for cell in range(len(space.cells)):
            change = int(results[version].values[cell] - results[since].values[cell])
            if 0 < change < control.threshold:
                vector = cell_vector(space, k, cell, version, since)
                low, high = attacker_range(space, versions, published, vector)
                assert whole_width(low, high) >= control.protection


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(publications())
def test_published_counts_reach_the_threshold_and_suppressed_cells_stay_uncertain(publication):
    space, counts, control = publication
    result = protect(space, counts, control)
    assert not result.unprotectable
    assert result.primary <= result.suppressed
    check_release(space, [counts], [result], control)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(publications(), st.data())
def test_a_correction_reveals_neither_the_late_signals_nor_what_was_suppressed(publication, data):
    space, counts, control = publication
    first = protect(space, counts, control)
    late = counts.copy()
    for index in data.draw(st.lists(st.integers(0, space.size - 1), min_size=1, max_size=3)):
        late[index] += 1
    second = protect(space, late, control, [Earlier(counts, frozenset(first.shown))])
    assert not second.unprotectable
    check_release(space, [counts, late], [first, second], control)


def test_linked_tables_share_their_common_cells():
    space = build_space([("a", "b"), ("a",)], {"a": ("x", "y"), "b": ("p", "q")})
    # the margin a=x of the first table and the cell a=x of the second are one cell
    keys = [space.cells[i].key for _, i in space.layout[1]]
    assert all(any(space.cells[i].key == k for _, i in space.layout[0]) for k in keys)
    result = protect(
        space,
        space.counts({("x", "p"): 3, ("x", "q"): 30, ("y", "p"): 30, ("y", "q"): 30}),
        Control(),
    )
    cell_x = next(i for a, i in space.layout[1] if a == ("x",))
    assert (cell_x in result.suppressed) == any(
        i == cell_x and i in result.suppressed for _, i in space.layout[0]
    )


def test_structural_zeros_are_no_cells_and_protect_nothing():
    def impossible(values):
        return values.get("minor") == "ja" and values.get("band") == "30-39"

    space = build_space(
        [("minor", "band")], {"minor": ("ja", "nee"), "band": ("16-17", "30-39")}, impossible
    )
    addresses = {address for address, _ in space.layout[0]}
    assert ("ja", "30-39") not in addresses
    assert space.microcell(("ja", "30-39")) is None
