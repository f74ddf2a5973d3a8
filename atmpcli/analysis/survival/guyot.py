"""Patient-level data reconstructed from a published Kaplan-Meier curve (Guyot et al. 2012).

Guyot P, Ades AE, Ouwens MJ, Welton NJ. Enhanced secondary analysis of survival data: reconstructing the
data from published Kaplan-Meier survival curves. BMC Med Res Methodol 2012;12:9.

Inputs: digitised (time, survival) coordinates, the published numbers at risk, and the total number of
events when the paper reports it. Within each at-risk interval the number censored is adjusted until
the reconstructed number at risk at the next interval's start equals the published one; censorings
are spread evenly over the interval and events are read off the drops of the curve. In the last
interval censoring follows the average rate of the earlier ones, or is set to match the total events.

Real digitised curves are not clean; what this module does about it, and reports:
- points out of time order are sorted; small rises (digitising noise, at most ``max_rise``) are set to
  the lowest survival before them; a larger rise is an error naming the row;
- an at-risk interval without any coordinate gets one at its start at the curve's level there (the
  curve is flat over that interval, so it has censorings but no events);
- at-risk times after the last coordinate are dropped;
- an at-risk number larger than the curve allows (even with no censoring) is an error beyond a
  tolerance of rounding, and otherwise lowered to what the curve allows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from atmpcli.analysis.survival.result import Reconstruction

MAX_ITERATIONS = 10_000


class CurveProblem(ValueError):
    """Bad reconstruction input; ``table`` is 'curve' or 'at_risk', ``row`` the 0-based input row (or None)."""

    def __init__(self, table: str, row: int | None, field: str, message: str) -> None:
        super().__init__(message)
        self.table, self.row, self.field = table, row, field


def clean_curve(
    time: np.ndarray, survival: np.ndarray, max_rise: float = 0.02
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Sorted, non-increasing coordinates starting at (0, 1); raises CurveProblem for a real rise."""
    time, survival = np.asarray(time, dtype=float), np.asarray(survival, dtype=float)
    notes: list[str] = []
    for i, (t, s) in enumerate(zip(time, survival, strict=True)):
        if not 0 <= s <= 1:
            raise CurveProblem("curve", i, "survival", f"survival {s:g} is outside [0, 1] (use proportions, not %)")
        if t < 0:
            raise CurveProblem("curve", i, "time", f"negative time {t:g}")
    order = np.lexsort((-survival, time))  # by time; at one time the step goes down
    if np.any(order != np.arange(time.size)):
        notes.append(f"{int(np.sum(order != np.arange(time.size)))} coordinates were out of time order and were sorted")
    time, survival = time[order], survival[order]
    low, raised, worst = 1.0, 0, 0.0
    cleaned = survival.copy()
    for j, s in enumerate(survival):
        if s > low:
            if s - low > max_rise:
                raise CurveProblem(
                    "curve",
                    int(order[j]),
                    "survival",
                    f"the curve rises from {low:g} to {s:g} at time {time[j]:g}; a Kaplan-Meier curve never rises "
                    f"(rises up to {max_rise:g} are taken as digitising noise)",
                )
            raised, worst = raised + 1, max(worst, s - low)
            cleaned[j] = low
        low = min(low, cleaned[j])
    if raised:
        notes.append(
            f"{raised} coordinates rose by up to {worst:.3g} (digitising noise) and were set to the level before them"
        )
    if time.size == 0 or time[0] > 0:
        time, cleaned = np.concatenate([[0.0], time]), np.concatenate([[1.0], cleaned])
    elif cleaned[0] < 1:
        notes.append(f"the curve starts at {cleaned[0]:g} at time 0; a point (0, 1) was put before it")
        time, cleaned = np.concatenate([[0.0], time]), np.concatenate([[1.0], cleaned])
    return time, cleaned, notes


def _check_at_risk(t_risk: np.ndarray, n_risk: np.ndarray) -> None:
    for i in range(t_risk.size):
        if n_risk[i] < 0 or n_risk[i] != np.round(n_risk[i]):
            raise CurveProblem("at_risk", i, "at_risk", f"expected a whole number of patients, got {n_risk[i]:g}")
        if i and t_risk[i] <= t_risk[i - 1]:
            raise CurveProblem("at_risk", i, "time", "at-risk times must increase")
        if i and n_risk[i] > n_risk[i - 1]:
            raise CurveProblem(
                "at_risk", i, "at_risk", f"{n_risk[i]:g} at risk is more than the {n_risk[i - 1]:g} of the row before"
            )
    if t_risk.size == 0 or t_risk[0] != 0:
        raise CurveProblem("at_risk", 0, "time", "the at-risk table must start at time 0 (the number of patients)")
    if n_risk[0] <= 0:
        raise CurveProblem("at_risk", 0, "at_risk", "no patients at risk at time 0")


def _fill_empty_intervals(
    t_s: np.ndarray, s: np.ndarray, t_risk: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Give every at-risk interval a coordinate: one at its start, at the curve's level, where none lies inside."""
    notes = []
    bounds = np.append(t_risk, np.inf)
    for i in range(t_risk.size):
        if not np.any((t_s >= bounds[i]) & (t_s < bounds[i + 1])):
            level = s[np.searchsorted(t_s, t_risk[i], side="right") - 1]
            at = np.searchsorted(t_s, t_risk[i])
            t_s, s = np.insert(t_s, at, t_risk[i]), np.insert(s, at, level)
            notes.append(
                f"no coordinates between at-risk times {bounds[i]:g} and {bounds[i + 1]:g}: the curve is taken as flat there"
            )
    return t_s, s, notes


def _spread(count: int, start: float, stop: float, breaks: np.ndarray) -> np.ndarray:
    """Counts per interval (breaks[k], breaks[k+1]] of ``count`` censorings spread evenly over (start, stop)."""
    out = np.zeros(max(breaks.size - 1, 1), dtype=int)
    if count <= 0:
        return out
    times = start + np.arange(1, count + 1) * (stop - start) / (count + 1)
    idx = np.clip(np.searchsorted(breaks, times, side="left") - 1, 0, out.size - 1)
    np.add.at(out, idx, 1)
    return out


class _State:
    """The reconstruction's running arrays over coordinates (Guyot's n.hat, d, cen, KM.hat)."""

    def __init__(self, s: np.ndarray, n0: int) -> None:
        self.s = s
        self.n_hat = np.full(s.size + 1, n0, dtype=float)
        self.d = np.zeros(s.size, dtype=int)
        self.cen = np.zeros(s.size, dtype=int)
        self.km = np.ones(s.size)

    def walk(self, lo: int, hi: int, n_start: float, last: int, first: bool) -> int:
        """Events and numbers at risk over coordinates lo..hi; returns the index of the last event."""
        self.n_hat[lo] = n_start
        for k in range(lo, hi + 1):
            if first and k == lo or self.n_hat[k] <= 0 or self.km[last] == 0:
                self.d[k] = 0
                self.km[k] = 1.0 if first and k == lo else self.km[last]
            else:
                self.d[k] = max(int(np.round(self.n_hat[k] * (1 - self.s[k] / self.km[last]))), 0)
                self.d[k] = min(self.d[k], int(self.n_hat[k]))
                self.km[k] = self.km[last] * (1 - self.d[k] / self.n_hat[k])
            self.n_hat[k + 1] = self.n_hat[k] - self.d[k] - self.cen[k]
            if self.n_hat[k + 1] < 0:  # no. at risk cannot be negative
                self.cen[k] = int(self.n_hat[k] - self.d[k])
                self.n_hat[k + 1] = 0
            if self.d[k] != 0:
                last = k
        return last


def reconstruct(
    time: np.ndarray,
    survival: np.ndarray,
    t_risk: np.ndarray,
    n_risk: np.ndarray,
    total_events: int | None = None,
    max_rise: float = 0.02,
) -> Reconstruction:
    """Reconstructed patient-level data (time, event) from digitised KM coordinates and numbers at risk."""
    t_s, s, notes = clean_curve(time, survival, max_rise)
    t_risk, n_risk = np.asarray(t_risk, dtype=float), np.asarray(n_risk, dtype=float)
    _check_at_risk(t_risk, n_risk)
    published = n_risk.copy()
    beyond = t_risk >= t_s[-1]
    beyond[0] = False
    if np.any(beyond):
        notes.append(
            f"{int(beyond.sum())} at-risk times at or after the curve's last point ({t_s[-1]:g}) were not used"
        )
        t_risk, n_risk = t_risk[~beyond], n_risk[~beyond]
    t_s, s, filled = _fill_empty_intervals(t_s, s, t_risk)
    notes += filled
    n_int = t_risk.size
    lower = np.searchsorted(t_s, t_risk, side="left")
    upper = np.append(np.searchsorted(t_s, t_risk[1:], side="left") - 1, t_s.size - 1)
    st = _State(s, int(n_risk[0]))
    n_censor = np.zeros(n_int, dtype=int)
    last_i = np.zeros(n_int, dtype=int)
    n_risk = n_risk.copy()
    for i in range(n_int - 1):
        lo, hi, nxt = lower[i], upper[i], lower[i + 1]
        n_censor[i] = int(np.round(n_risk[i] * s[nxt] / s[lo] - n_risk[i + 1])) if s[lo] > 0 else 0
        for _ in range(MAX_ITERATIONS):
            n_censor[i] = max(n_censor[i], 0)
            st.cen[lo : hi + 1] = _spread(n_censor[i], t_s[lo], t_s[nxt], t_s[lo : nxt + 1])[: hi - lo + 1]
            last = st.walk(lo, hi, n_risk[i], last_i[i], first=i == 0)
            gap = st.n_hat[nxt] - n_risk[i + 1]
            n_censor[i] += int(gap)
            if gap == 0 or (gap < 0 and n_censor[i] <= 0):
                break
        else:
            raise CurveProblem(
                "at_risk", i + 1, "at_risk", "the reconstruction did not settle on this row's number at risk"
            )
        if st.n_hat[nxt] < n_risk[i + 1]:
            short = n_risk[i + 1] - st.n_hat[nxt]
            if short > max(2.0, 0.05 * n_risk[i + 1]):
                raise CurveProblem(
                    "at_risk",
                    i + 1,
                    "at_risk",
                    f"{n_risk[i + 1]:g} at risk at time {t_risk[i + 1]:g}, but the curve's drop since time {t_risk[i]:g} "
                    f"leaves at most {st.n_hat[nxt]:g} even with no censoring: the table contradicts the curve",
                )
            notes.append(
                f"at-risk number at time {t_risk[i + 1]:g} lowered from {n_risk[i + 1]:g} to {st.n_hat[nxt]:g} to fit the curve"
            )
            n_risk[i + 1] = st.n_hat[nxt]
        last_i[i + 1] = last
    _last_interval(st, t_s, lower, upper, n_risk, n_censor, last_i, total_events)
    return Reconstruction(
        title="Reconstructed patient-level data",
        ipd=_ipd(st, t_s, int(n_risk[0])),
        intervals=_intervals(st, t_risk, published[~beyond], lower, upper),
        warnings=notes,
        total_events=total_events,
    )


def _last_interval(st, t_s, lower, upper, n_risk, n_censor, last_i, total_events) -> None:  # noqa: ANN001
    """Censoring in the last interval: the earlier average rate, or what matches the reported total events."""
    i = lower.size - 1
    lo, hi = lower[i], upper[i]
    if i > 0 and t_s[upper[i - 1]] > t_s[lower[0]]:
        rate = n_censor[:i].sum() / (t_s[upper[i - 1]] - t_s[lower[0]])
        n_censor[i] = min(int(np.round(rate * (t_s[hi] - t_s[lo]))), int(n_risk[i]))

    def run() -> None:
        st.cen[lo:hi] = _spread(n_censor[i], t_s[lo], t_s[hi], t_s[lo : hi + 1])[: max(hi - lo, 0)]
        st.cen[hi] = 0
        st.walk(lo, hi, n_risk[i], last_i[i], first=i == 0)

    run()
    if total_events is None:
        return
    before = int(st.d[:lo].sum())
    if i > 0 and before >= total_events:  # the earlier intervals already hold all events
        st.d[lo : hi + 1] = 0
        st.cen[lo : hi + 1] = 0
        st.n_hat[lo + 1 : hi + 2] = n_risk[i]
        return
    for _ in range(MAX_ITERATIONS):
        total = int(st.d[: hi + 1].sum())
        if total == total_events or (total < total_events and n_censor[i] <= 0):
            return
        n_censor[i] = max(n_censor[i] + (total - total_events), 0)
        run()


def _ipd(st: _State, t_s: np.ndarray, n: int) -> pd.DataFrame:
    """Events at the coordinates' times, censorings midway to the next one, the rest censored at the end."""
    times: list[np.ndarray] = [np.repeat(t_s, st.d)]
    events: list[np.ndarray] = [np.ones(int(st.d.sum()), dtype=int)]
    mid = np.append((t_s[:-1] + t_s[1:]) / 2, t_s[-1])
    times.append(np.repeat(mid, st.cen))
    events.append(np.zeros(int(st.cen.sum()), dtype=int))
    rest = n - int(st.d.sum()) - int(st.cen.sum())
    times.append(np.full(max(rest, 0), t_s[-1]))
    events.append(np.zeros(max(rest, 0), dtype=int))
    frame = pd.DataFrame({"time": np.concatenate(times), "event": np.concatenate(events)})
    return frame.sort_values(["time", "event"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _intervals(
    st: _State, t_risk: np.ndarray, published: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": t_risk,
            "at_risk_published": published.astype(int),
            "at_risk_reconstructed": st.n_hat[lower].astype(int),
            "events": [int(st.d[lo : hi + 1].sum()) for lo, hi in zip(lower, upper, strict=True)],
            "censored": [int(st.cen[lo : hi + 1].sum()) for lo, hi in zip(lower, upper, strict=True)],
        }
    )
