#!/usr/bin/env python3
"""Self-test of the oracle's own SPC rules and period arithmetic, on small series
whose expected special causes were worked out by hand from METRICS.md.

Run: python3 tests/oracle/test_spc.py   (exits non-zero on failure; no pytest needed,
but pytest also collects the test_* functions).

Shorthand in the expectations: C common_cause, AU above_upper_limit, BL below_lower_limit,
TI/TD trend_increasing/decreasing, 2A/2B two_of_three_above/below, RA/RB run_above/below.
"""

import datetime as dt
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from duckdb_views import month_ends, quarter_ends, spc  # noqa: E402

CODE = {
    "C": "common_cause", "AU": "above_upper_limit", "BL": "below_lower_limit",
    "TI": "trend_increasing", "TD": "trend_decreasing",
    "2A": "two_of_three_above", "2B": "two_of_three_below",
    "RA": "run_above", "RB": "run_below",
}


def expect(values, codes):
    want = [CODE[c] for c in codes.split()]
    assert len(values) == len(want), "test data: one expectation per point"
    got = spc(values).special_causes
    if got != want:
        lines = [f"  {i:2d} {v:>8} want {w:<20} got {g}" + ("" if w == g else "   <--")
                 for i, (v, w, g) in enumerate(zip(values, want, got))]
        raise AssertionError("special causes differ:\n" + "\n".join(lines))


def test_shift_of_seven_each_side():
    # 7 points alternating 10/11 then 7 alternating 12/13 (n=14).
    # mean = 160/14 = 11.4286. MRs: twelve of 1 and one of 2 -> AMR = 14/13 = 1.0769;
    # screening threshold 3.267*AMR = 3.52 keeps them all. Limits 11.43 -/+ 2.86 =
    # [8.56, 14.29]: nothing outside. Near: beyond 11.43 -/+ 1.91 = 9.52 / 13.34: none.
    # No 7-point trend (the values alternate). First 7 all below the mean: run_below;
    # last 7 all above: run_above.
    v = [10, 11, 10, 11, 10, 11, 10, 12, 13, 12, 13, 12, 13, 12]
    expect([float(x) for x in v], "RB RB RB RB RB RB RB RA RA RA RA RA RA RA")


def test_point_equal_to_mean_breaks_a_run():
    # n=15, sum 300, mean exactly 20.0; idx 4 equals the mean.
    # MRs: 1,1,1,0.5,1.5,1,1,3,1,1,1,1,1,1 -> sum 16, AMR = 16/14 = 1.142857;
    # 3.267*AMR = 3.73 keeps the 3. Limits 20 -/+ 3.04: nothing outside.
    # Near: beyond 20 -/+ 2.03 (17.97 / 22.03): none. No 7-point trend.
    # Below the mean: idx 0-3 (4 points), idx 4 = mean breaks it, idx 5-7 (3 points):
    # no run of 7 (without the break rule it would be 8). Above: idx 8-14, 7 points: run_above.
    v = [18.5, 19.5, 18.5, 19.5, 20.0, 18.5, 19.5, 18.5,
         21.5, 20.5, 21.5, 20.5, 21.5, 20.5, 21.5]
    assert spc(v).mean == 20.0
    expect(v, "C C C C C C C C RA RA RA RA RA RA RA")


def test_trend_of_seven_increasing():
    # 8 points alternating 50/52, then 50, 50.5, ..., 53 (7 points strictly increasing;
    # idx 7 = 52 -> idx 8 = 50 is a fall, so the stretch starts at idx 8).
    # mean = 768.5/15 = 51.233; MRs: eight of 2 and six of 0.5 -> AMR = 19/14 = 1.357;
    # limits 51.23 -/+ 3.61 = [47.62, 54.84]: nothing outside. Near: beyond 48.83 / 53.64:
    # none. Runs: the 52s alternate with 50s; the tail has only 4 points above the mean.
    v = [50, 52, 50, 52, 50, 52, 50, 52, 50, 50.5, 51, 51.5, 52, 52.5, 53]
    expect([float(x) for x in v], "C C C C C C C C TI TI TI TI TI TI TI")


def test_six_points_rising_is_not_a_trend():
    # Alternating 50/52 for 8 points, then 52.5 (a rise from 52), then 50.5, 51, ..., 53:
    # the rising stretch idx 9-14 has only 6 points, idx 6-8 (50, 52, 52.5) only 3.
    # mean = 771/15 = 51.4; MRs: seven of 2, 0.5, 2, five of 0.5 -> AMR = 19/14 = 1.357;
    # limits 51.4 -/+ 3.61 = [47.79, 55.01]; near beyond 48.99 / 53.81: none.
    # Above the mean: idx 7-8, then idx 11-14 - never 7 in a row. All common cause.
    v = [50, 52, 50, 52, 50, 52, 50, 52, 52.5, 50.5, 51, 51.5, 52, 52.5, 53]
    expect([float(x) for x in v], "C C C C C C C C C C C C C C C")


def test_point_between_two_trends_takes_the_later_direction():
    # Noisy prefix 11,15,11,15,11,15 then 10..16 rising (7 points) and 16..10 falling
    # (7 points, sharing the peak 16 at idx 12). n=19, mean = 244/19 = 12.842.
    # MRs: five of 4, one of 5, twelve of 1 -> AMR = 37/18 = 2.056; 3.267*AMR = 6.72
    # keeps all. Limits 12.84 -/+ 5.47 = [7.37, 18.31]: nothing outside. Near: beyond
    # 9.20 / 16.49: none. idx 9-15 are 7 points above the mean (a run), but trends take
    # precedence. The peak idx 12 belongs to both trends and takes the later: decreasing.
    v = [11, 15, 11, 15, 11, 15, 10, 11, 12, 13, 14, 15, 16, 15, 14, 13, 12, 11, 10]
    expect([float(x) for x in v],
           "C C C C C C TI TI TI TI TI TI TD TD TD TD TD TD TD")


def test_points_outside_the_limits():
    # Alternating 50/51 (n=16) with idx 5 = 60 and idx 12 = 41: mean stays 808/16 = 50.5.
    # MRs: eleven of 1, four of 10 -> AMR = 51/15 = 3.4; 3.267*AMR = 11.1 keeps the 10s.
    # Limits 50.5 -/+ 9.044 = [41.456, 59.544]: 60 above, 41 below.
    # Near: beyond 50.5 -/+ 6.03: no other point. 50/51 alternate around 50.5: no runs.
    v = [50, 51, 50, 51, 50, 60, 50, 51, 50, 51, 50, 51, 41, 51, 50, 51]
    r = spc([float(x) for x in v])
    assert abs(r.amr - 3.4) < 1e-12, r.amr
    expect([float(x) for x in v], "C C C C C AU C C C C C C BL C C C")


def test_outlier_moving_ranges_are_left_out_of_amr():
    # Alternating 50/51 (n=20) with big spikes idx 5 = 91 (+40) and idx 12 = 10 (-40) and
    # moderate ones idx 9 = 61 (+10) and idx 16 = 40 (-10): the mean stays 1010/20 = 50.5.
    # MRs: four of 41 (around the big spikes), four of 11 (around the moderate ones),
    # eleven of 1: AMR = 219/19 = 11.526; 3.267*AMR = 37.66, so the four 41s are left
    # out and AMR = (44 + 11)/15 = 3.6667. Limits 50.5 -/+ 9.753 = [40.75, 60.25]:
    # 91 and 61 above, 10 and 40 below. (Without screening the limits would be
    # 50.5 -/+ 30.66 and 61 and 40 would be common cause.) Near: beyond 50.5 -/+ 6.50:
    # no other point. 50/51 alternate around 50.5: no runs; no trends.
    v = [50, 51] * 10
    v[5], v[12], v[9], v[16] = 91, 10, 61, 40
    r = spc([float(x) for x in v])
    assert abs(r.amr - 55 / 15) < 1e-12, r.amr
    assert r.mean == 50.5, r.mean
    expect([float(x) for x in v], "C C C C C AU C C C AU C C BL C C C BL C C C")


def test_two_of_three_near_the_upper_limit():
    # Alternating 50/51 (n=20) with idx 8 and idx 10 = 53. mean = 1016/20 = 50.8.
    # MRs: four of 2, fifteen of 1 -> AMR = 23/19 = 1.2105 (screen 3.95 keeps all).
    # Limits 50.8 -/+ 3.22 = [47.58, 54.02]: nothing outside. Near: above
    # 50.8 + (2/3)(2.66)(1.2105) = 52.947: idx 8 and 10 (53). Window idx 8-10 = 53, 51, 53
    # is all above the mean with 2 near: idx 8 and 10 are two_of_three_above; idx 9 is in
    # the window but not near itself: not flagged. Above the mean run idx 7-11 is only 5.
    v = [50, 51] * 10
    v[8], v[10] = 53, 53
    expect([float(x) for x in v], "C C C C C C C C 2A C 2A C C C C C C C C C")


def test_near_points_on_opposite_sides_do_not_make_two_of_three():
    # Alternating 50/51 (n=20) with idx 8 = 53 (near above) and idx 9 = 48.5 (near below):
    # mean = (1010 + 3 - 2.5)/20 = 50.525. MRs: 51->53 = 2, 53->48.5 = 4.5,
    # 48.5->50 = 1.5, sixteen of 1 -> AMR = 24/19 = 1.263; screen 4.13 drops the 4.5:
    # AMR = 19.5/18 = 1.0833. Limits 50.525 -/+ 2.882 = [47.64, 53.41]: nothing outside.
    # Near: beyond 50.525 -/+ 1.921 = 48.60 / 52.45: idx 8 (53) and idx 9 (48.5).
    # Every 3-window holding both mixes sides; each alone has only 1 near: no flag.
    # Runs: 51 above, 50 below, alternating: none.
    v = [50, 51] * 10
    v[8], v[9] = 53, 48.5
    expect([float(x) for x in v], "C " * 20)


def test_one_near_point_is_not_two_of_three():
    # Alternating 50/51 (n=20) with idx 8 = 51 and idx 9 = 53. mean = 1013/20 = 50.65.
    # MRs: 0, 2, 3 around idx 8-10, sixteen of 1 -> AMR = 21/19 = 1.1053 (screen 3.61
    # keeps all). Limits 50.65 -/+ 2.94 = [47.71, 53.59]: nothing outside. Near: above
    # 52.61 only idx 9 (53). Window idx 7-9 = 51, 51, 53 is all above the mean but has a
    # single near point: no flag. Above the mean run idx 7-9 is only 3; no trend.
    v = [50, 51] * 10
    v[8], v[9] = 51, 53
    expect([float(x) for x in v], "C " * 20)


def test_precedence_limit_over_run():
    # 14 points alternating 10/11, then 12, 12.5, 12, 12.5, 12, 12.5, 14 (n=21).
    # mean = (147 + 73.5 + 14)/21 = 11.1667. MRs: fourteen of 1, five of 0.5, one of 1.5
    # -> AMR = 18/20 = 0.9 (screen 2.94 keeps all). Limits 11.17 -/+ 2.394 = [8.77, 13.56]:
    # 14 is above the upper limit. Near: beyond 11.17 -/+ 1.596 = 12.76: none (12.5 is not).
    # The first 14 points are all below the mean: run_below. The last 7 are all above:
    # run_above, except the last, which reports the limit (limits come first).
    v = [10, 11] * 7 + [12, 12.5, 12, 12.5, 12, 12.5, 14]
    expect([float(x) for x in v], "RB " * 14 + "RA " * 6 + "AU")


def test_periods():
    q = quarter_ends(dt.date(2025, 3, 31))
    assert q[-1] == dt.date(2025, 3, 31) and q[0] == dt.date(2022, 6, 30) and len(q) == 12, q
    q = quarter_ends(dt.date(2025, 3, 30))
    assert q[-1] == dt.date(2024, 12, 31) and q[0] == dt.date(2022, 3, 31), q
    assert dt.date(2024, 6, 30) in q and dt.date(2024, 9, 30) in q
    m = month_ends(dt.date(2024, 3, 15))
    assert m[-1] == dt.date(2024, 2, 29) and m[0] == dt.date(2021, 3, 31) and len(m) == 36, m
    m = month_ends(dt.date(2026, 1, 31))
    assert m[-1] == dt.date(2026, 1, 31) and m[0] == dt.date(2023, 2, 28), m


def main() -> int:
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and callable(f)]
    failed = 0
    for name, f in tests:
        try:
            f()
            print(f"ok   {name}")
        except AssertionError as e:
            failed += 1
            print(f"FAIL {name}\n{e}")
    print(f"{len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
