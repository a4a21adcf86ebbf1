"""Reference values for LlmOps labeling agreement statistics.

Run with Debian's python3 (bookworm: python3-sklearn 1.2.1, python3-statsmodels 0.13.5, python3-numpy 1.24.2):
    apt-get install python3-sklearn python3-statsmodels
    /usr/bin/python3 generate.py > agreement-vectors.json

Cohen's kappa comes from sklearn.metrics.cohen_kappa_score and Fleiss' kappa from
statsmodels.stats.inter_rater.fleiss_kappa. Neither package has Krippendorff's alpha or Gwet's AC1, so they are
computed here by plain loops straight from the definitions (Krippendorff 2011, "Computing Krippendorff's
Alpha-Reliability"; Gwet 2008, "Computing inter-rater reliability and its variance in the presence of high
agreement"), with no shortcut the C# code takes; the alpha loop is checked against the worked example of
Krippendorff 2011 below before anything is written.

Data: a list of units (items); each unit maps coder index -> value; a missing label is simply absent. Categorical
values are category indices 0..K-1 (the order, for ordinal data, is the index order).
"""
import json
import math
import itertools
import numpy as np
import sklearn
import statsmodels
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa

rng = np.random.default_rng(20261123)


def delta2(metric, c, k, values, counts):
    """Squared difference of two values; counts are n_v per value (for ordinal), values sorted."""
    if metric == "nominal":
        return 0.0 if c == k else 1.0
    if metric == "interval":
        return float((c - k) ** 2)
    if metric == "ratio":
        return 0.0 if c + k == 0 else float(((c - k) / (c + k)) ** 2)
    if metric == "ordinal":
        lo, hi = min(c, k), max(c, k)
        between = sum(counts[v] for v in values if lo <= v <= hi)
        return float((between - (counts[c] + counts[k]) / 2.0) ** 2)
    raise ValueError(metric)


def krippendorff_alpha(units, metric, ordinal_values=None):
    """Alpha from the coincidence matrix, built pair by pair: o[c,k] += 1/(m_u-1) for every ordered pair of values
    from different coders in a unit with m_u >= 2 values."""
    pairable = [list(u.values()) for u in units if len(u) >= 2]
    o = {}
    for values in pairable:
        m = len(values)
        for i in range(m):
            for j in range(m):
                if i != j:
                    key = (values[i], values[j])
                    o[key] = o.get(key, 0.0) + 1.0 / (m - 1)
    n_c = {}
    for (c, k), w in o.items():
        n_c[c] = n_c.get(c, 0.0) + w
    n = sum(n_c.values())
    if n == 0:
        return None
    values = sorted(set(ordinal_values if ordinal_values is not None else n_c.keys()))
    counts = {v: n_c.get(v, 0.0) for v in values}
    d_o = sum(w * delta2(metric, c, k, values, counts) for (c, k), w in o.items()) / n
    d_e = sum(n_c[c] * n_c[k] * delta2(metric, c, k, values, counts) for c in n_c for k in n_c) / (n * (n - 1))
    if d_e == 0:
        return None
    return 1.0 - d_o / d_e


def gwet_ac1(units, categories):
    """Gwet's AC1 for several raters with missing ratings (Gwet 2008, eq. 18-20; irrCAC gwet.ac1.raw)."""
    q = categories
    rated = [u for u in units if len(u) >= 1]
    two = [u for u in units if len(u) >= 2]
    if not two or q < 2:
        return None
    p_a = 0.0
    for u in two:
        r = len(u)
        for k in range(q):
            r_k = sum(1 for v in u.values() if v == k)
            p_a += r_k * (r_k - 1) / (r * (r - 1))
    p_a /= len(two)
    pi = [sum(sum(1 for v in u.values() if v == k) / len(u) for u in rated) / len(rated) for k in range(q)]
    p_e = sum(p * (1 - p) for p in pi) / (q - 1)
    if p_e == 1:
        return None
    return (p_a - p_e) / (1 - p_e)


def percent_agreement(units):
    """Mean over units with two or more labels of the share of agreeing coder pairs."""
    shares = []
    for u in units:
        values = list(u.values())
        if len(values) < 2:
            continue
        pairs = list(itertools.combinations(values, 2))
        shares.append(sum(1 for a, b in pairs if a == b) / len(pairs))
    return sum(shares) / len(shares) if shares else None


def fleiss_general(units, categories):
    """Fleiss' kappa with unequal raters per item: P_i = sum n_ic(n_ic-1) / (n_i(n_i-1)) over items with n_i >= 2,
    p_c over those items' labels. Equals statsmodels' fleiss_kappa when every item has the same number of raters."""
    two = [u for u in units if len(u) >= 2]
    if not two:
        return None
    p_bar = 0.0
    totals = [0] * categories
    for u in two:
        n_i = len(u)
        for c in range(categories):
            n_ic = sum(1 for v in u.values() if v == c)
            p_bar += n_ic * (n_ic - 1) / (n_i * (n_i - 1))
            totals[c] += n_ic
    p_bar /= len(two)
    all_labels = sum(totals)
    p_e = sum((t / all_labels) ** 2 for t in totals)
    if p_e == 1:
        return None
    return (p_bar - p_e) / (1 - p_e)


def nan_to_none(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def case(name, coders, categories, units, ordinal=True):
    units = [{int(k): int(v) for k, v in u.items()} for u in units]
    out = {"name": name, "coders": coders, "categories": categories,
           "units": [{str(k): v for k, v in sorted(u.items())} for u in units]}
    out["percent_agreement"] = nan_to_none(percent_agreement(units))
    alpha = {}
    for metric in ["nominal", "ordinal", "interval", "ratio"]:
        if metric == "ratio" and not ordinal:
            continue
        # Ordinal ranks run over the categories that occur (values absent from the data have no mass).
        alpha[metric] = nan_to_none(krippendorff_alpha(units, metric))
    out["alpha"] = alpha
    out["gwet_ac1"] = nan_to_none(gwet_ac1(units, categories))
    out["fleiss_general"] = nan_to_none(fleiss_general(units, categories))
    if all(len(u) == coders for u in units):
        table = np.zeros((len(units), categories))
        for i, u in enumerate(units):
            for v in u.values():
                table[i, v] += 1
        with np.errstate(divide="ignore", invalid="ignore"):
            out["fleiss_statsmodels"] = nan_to_none(fleiss_kappa(table))
    kappas = []
    for a, b in itertools.combinations(range(coders), 2):
        both = [(u[a], u[b]) for u in units if a in u and b in u]
        if not both:
            continue
        ya = [x for x, _ in both]
        yb = [y for _, y in both]
        entry = {"a": a, "b": b}
        for weights in [None, "linear", "quadratic"]:
            with np.errstate(divide="ignore", invalid="ignore"):
                import warnings
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    k = cohen_kappa_score(ya, yb, labels=list(range(categories)), weights=weights)
            entry[weights or "none"] = nan_to_none(k)
        kappas.append(entry)
    out["cohen_kappa"] = kappas
    return out


# Krippendorff (2011), section C: 4 coders, 12 units, values 1-5 (here 0-4), published alphas.
K2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
k_units = [{c: K2011[c][u] for c in range(4) if K2011[c][u] is not None} for u in range(12)]
for metric, published in [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]:
    value = krippendorff_alpha(k_units, metric)
    assert abs(value - published) < 0.0005, (metric, value, published)


def random_units(items, coders, categories, missing, skew=None, noise=0.3):
    units = []
    for _ in range(items):
        truth = int(rng.choice(categories, p=skew)) if skew is not None else int(rng.integers(categories))
        u = {}
        for c in range(coders):
            if rng.random() < missing:
                continue
            u[c] = truth if rng.random() > noise else int(rng.integers(categories))
        units.append(u)
    return units


cases = [
    case("krippendorff-2011", 4, 5, [{c: v - 1 for c, v in u.items()} for u in k_units]),
    case("complete-3x4", 3, 4, random_units(60, 3, 4, 0.0)),
    case("missing-5x3", 5, 3, random_units(80, 5, 3, 0.35)),
    case("skewed-4x2", 4, 2, random_units(100, 4, 2, 0.1, skew=[0.95, 0.05], noise=0.1)),
    case("ties-2x3", 2, 3, [{0: a, 1: b} for a, b in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 0), (0, 2), (1, 2), (2, 1), (0, 0)]]),
    case("perfect-3x5", 3, 5, [{0: v, 1: v, 2: v} for v in rng.integers(0, 5, 30).tolist()]),
    case("single-category-3x3", 3, 3, [{0: 1, 1: 1, 2: 1} for _ in range(12)]),
    case("worse-than-chance-2x2", 2, 2, [{0: i % 2, 1: 1 - i % 2} for i in range(20)]),
]

print(json.dumps({
    "source": f"scikit-learn {sklearn.__version__}, statsmodels {statsmodels.__version__}, numpy {np.__version__}; generate.py "
              "(alpha, AC1, percent agreement and Fleiss with missing labels by plain loops from the definitions)",
    "cases": cases,
}, indent=1))
