"""Reference values for LlmOps drift statistics, computed with SciPy/NumPy/scikit-learn.

Run with Debian's python3 (python3-scipy 1.10.1, python3-sklearn 1.2.1):
    /usr/bin/python3 generate.py > drift-vectors.json
Each case stores its inputs and the expected outputs, and names the function that produced them.
"""
import json
import numpy as np
import scipy
import sklearn
from scipy import stats, special
from scipy.spatial import distance
from sklearn.metrics import roc_auc_score

rng = np.random.default_rng(20261123)
cases = {"source": f"scipy {scipy.__version__}, numpy {np.__version__}, scikit-learn {sklearn.__version__}; generate.py", "numeric": [], "categorical": [], "auc": [], "mmd": []}

def r(values):
    return [float(round(v, 6)) for v in values]

for name, ref, cur in [
    ("same-normal", rng.normal(0, 1, 200), rng.normal(0, 1, 150)),
    ("shifted-normal", rng.normal(0, 1, 300), rng.normal(0.5, 1.2, 250)),
    ("small-ties", np.array([1, 2, 2, 3, 3, 3, 4, 5, 5, 6], float), np.array([2, 3, 3, 4, 4, 5, 6, 6, 7, 8, 9], float)),
    ("lognormal", rng.lognormal(0, 0.7, 500), rng.lognormal(0.2, 0.7, 400)),
]:
    ref, cur = np.array(r(ref)), np.array(r(cur))
    ks = stats.ks_2samp(ref, cur)
    en = len(ref) * len(cur) / (len(ref) + len(cur))
    # PSI on reference deciles (numpy 'linear' quantiles), outer edges open, empty bins at 0.0001.
    edges = np.quantile(ref, np.linspace(0, 1, 11))[1:-1]
    ref_p = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=10) / len(ref)
    cur_p = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=10) / len(cur)
    ref_p = np.where(ref_p == 0, 0.0001, ref_p)
    cur_p = np.where(cur_p == 0, 0.0001, cur_p)
    psi = float(np.sum((cur_p - ref_p) * np.log(cur_p / ref_p)))
    cases["numeric"].append({
        "name": name, "reference": list(ref), "current": list(cur),
        "ks_statistic": float(ks.statistic), "ks_statistic_source": "scipy.stats.ks_2samp(...).statistic",
        "ks_pvalue_asymptotic": float(special.kolmogorov(np.sqrt(en) * ks.statistic)), "ks_pvalue_source": "scipy.special.kolmogorov(sqrt(n*m/(n+m)) * D)",
        "wasserstein": float(stats.wasserstein_distance(ref, cur)), "wasserstein_source": "scipy.stats.wasserstein_distance",
        "wasserstein_normalized": float(stats.wasserstein_distance(ref, cur) / np.std(ref)), "wasserstein_normalized_source": "wasserstein_distance / numpy.std(reference) (Evidently)",
        "psi": psi, "psi_source": "numpy: reference deciles (np.quantile linear), 0.0001 for empty bins, sum((c - r) * ln(c / r))",
    })

for name, ref, cur in [
    ("same", {"email": 50, "chat": 30, "phone": 20}, {"email": 48, "chat": 33, "phone": 19}),
    ("shifted", {"email": 50, "chat": 30, "phone": 20}, {"email": 20, "chat": 30, "phone": 50}),
    ("four", {"a": 10, "b": 40, "c": 25, "d": 25}, {"a": 15, "b": 35, "c": 30, "d": 20}),
]:
    keys = sorted(ref)
    rc = np.array([ref[k] for k in keys], float)
    cc = np.array([cur[k] for k in keys], float)
    chi = stats.chi2_contingency(np.vstack([rc, cc]), correction=False)
    cases["categorical"].append({
        "name": name, "reference": ref, "current": cur,
        "chi2_statistic": float(chi[0]), "chi2_pvalue": float(chi[1]), "chi2_source": "scipy.stats.chi2_contingency([reference counts, current counts], correction=False) (two-sample homogeneity)",
        "jensen_shannon": float(distance.jensenshannon(rc / rc.sum(), cc / cc.sum(), base=2)), "jensen_shannon_source": "scipy.spatial.distance.jensenshannon(base=2)",
    })

for name, scores, labels in [
    ("separable-with-ties", [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.7], [0, 0, 1, 1, 1, 1, 0, 0]),
    ("random", list(r(rng.random(60))), list(rng.integers(0, 2, 60))),
]:
    cases["auc"].append({"name": name, "scores": [float(s) for s in scores], "labels": [int(l) for l in labels],
                         "auc": float(roc_auc_score(labels, scores)), "auc_source": "sklearn.metrics.roc_auc_score"})

for name, x, y in [("small-2d", rng.normal(0, 1, (12, 3)), rng.normal(0.8, 1, (10, 3)))]:
    x, y = np.round(x, 6), np.round(y, 6)
    pooled = np.vstack([x, y])
    d = distance.pdist(pooled)
    sigma = float(np.median(d))
    gamma = 1.0 / (2 * sigma ** 2)
    k = np.exp(-gamma * distance.squareform(d) ** 2)
    n, m = len(x), len(y)
    kxx, kyy, kxy = k[:n, :n], k[n:, n:], k[:n, n:]
    mmd2 = (kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean()
    cases["mmd"].append({"name": name, "x": x.tolist(), "y": y.tolist(), "median_distance": sigma, "mmd2_unbiased": float(mmd2),
                         "mmd_source": "numpy/scipy.spatial.distance: RBF exp(-d^2/(2 median(d)^2)) over the pooled sample, unbiased MMD^2"})

print(json.dumps(cases, indent=1))
