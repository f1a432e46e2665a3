"""lifetimes' own penalised BG/NBD fits on CDNOW, as fixtures for fitBgNbd's penalizer.

Writes test/fixtures/lifetimes-penalized.json, read by test/domain/indicators/bgnbd.test.ts.
Run from the repository root with lifetimes 0.11.3 installed (`pip install lifetimes==0.11.3`):
  python3 scripts/lifetimes_penalized.py [path/to/cdnow_customers_summary.csv]
The CSV is the one inside the lifetimes wheel (lifetimes/datasets/cdnow_customers_summary.csv),
2,357 customers, times in weeks. lifetimes 0.11.3 minimises −LL/n + penalizer·Σ params², with
time rescaled so that the largest T is 1 (BetaGeoFitter._scale = 1 / T.max()).
"""
import json
import sys

import lifetimes
import pandas as pd
from lifetimes import BetaGeoFitter
from lifetimes.datasets import load_cdnow_summary

data = pd.read_csv(sys.argv[1]) if len(sys.argv) > 1 else load_cdnow_summary(index_col=[0])
fits = []
for penalizer in (0.001, 0.01, 0.1):
    bgf = BetaGeoFitter(penalizer_coef=penalizer)
    bgf.fit(data["frequency"], data["recency"], data["T"])
    p = bgf.params_
    fits.append({"penalizer": penalizer, "r": float(p["r"]), "alpha": float(p["alpha"]),
                 "a": float(p["a"]), "b": float(p["b"])})
json.dump({"generator": "scripts/lifetimes_penalized.py", "lifetimes": lifetimes.__version__,
           "data": "cdnow_customers_summary.csv (weeks)", "fits": fits},
          open("test/fixtures/lifetimes-penalized.json", "w"), indent=1)
print(fits)
