"""Reference values for the evaluation statistics, from Debian's python3-statsmodels and python3-scipy.

Run with Debian's interpreter: /usr/bin/python3 generate.py > comparison-vectors.json
"""
import json

import numpy as np
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar

cases = []
# McNemar on discordant counts (b: candidate only, c: baseline only): exact below 25 discordant pairs, else chi-square
# with continuity correction, as statsmodels computes them.
for b, c in [(0, 10), (3, 9), (10, 10), (1, 0), (12, 12), (5, 19), (20, 30), (40, 10), (0, 25), (100, 130)]:
    exact = b + c < 25
    result = mcnemar([[50, b], [c, 50]], exact=exact, correction=True)
    cases.append({"b": b, "c": c, "exact": exact, "p": float(result.pvalue)})

# Percentile bootstrap intervals of the mean of paired differences (scipy, 10,000 resamples): a different random
# stream than ours, so they agree within Monte Carlo error, not exactly.
rng = np.random.default_rng(7)
intervals = []
for n, kind in [(500, "binary-regression"), (500, "binary-noise"), (300, "continuous")]:
    if kind == "binary-regression":
        diff = np.zeros(n); diff[:10] = -1
    elif kind == "binary-noise":
        diff = np.zeros(n); diff[:30] = -1; diff[30:50] = 1
    else:
        diff = np.round(rng.normal(-0.01, 0.2, n), 6)
    res = stats.bootstrap((diff,), np.mean, n_resamples=10000, confidence_level=0.95, method="percentile", random_state=1)
    intervals.append({"kind": kind, "values": diff.tolist(), "low": float(res.confidence_interval.low), "high": float(res.confidence_interval.high), "standard_error": float(res.standard_error)})

print(json.dumps({"mcnemar": cases, "bootstrap": intervals}))
