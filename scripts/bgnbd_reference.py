"""Reference values of the BG/NBD conditional expectation and P(alive), at 60 significant digits.

Writes test/fixtures/bgnbd-reference.json, read by test/domain/indicators/bgnbd-reference.test.ts.
Run from the repository root:  python3 scripts/bgnbd_reference.py   (needs `pip install mpmath`).

Each value is computed twice, independently of Boomerang's code:
  1. eq. (10) of Fader, Hardie & Lee (2005) with mpmath's hyp2f1 at 60 digits,
  2. the same expectation as an integral over the drop-out probability p ~ Beta(a, b+x),
     E = P(alive) * E_p[(1 - (1 + p t/(alpha+T))^-(r+x)) / p], by mpmath.quad at 40 digits,
and a case is kept only if the two agree to 1e-15 (so neither formula's weak spot can leak in).
Where eq. (10) has a = 1 exactly (a removable 0/0), or mpmath's hyp2f1 takes more than 20 s
(b ~ 1e8), the integral is checked against itself at 55 digits instead.
"""
import itertools
import json
import signal
import sys

import mpmath as mp


def p_alive(r, alpha, a, b, x, tx, T):
    if x == 0:
        return mp.mpf(1)
    return 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


def by_hyp2f1(r, alpha, a, b, t, x, tx, T):
    with mp.workdps(60):
        r, alpha, a, b, t, tx, T = map(mp.mpf, (r, alpha, a, b, t, tx, T))
        c = a + b + x - 1
        z = t / (alpha + T + t)
        f = mp.hyp2f1(r + x, b + x, c, z, maxterms=10**7)
        cond = c / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * f)
        return p_alive(r, alpha, a, b, x, tx, T) * cond


def by_integral(r, alpha, a, b, t, x, tx, T, dps=40):
    with mp.workdps(dps):
        r, alpha, a, b, t, tx, T = map(mp.mpf, (r, alpha, a, b, t, tx, T))
        m = r + x
        beta = b + x
        k = t / (alpha + T)
        # In y = logit(p) both the Beta density and g are smooth; split the line at the density's
        # mode and at the knee of g so that quad sees every feature.
        def logdens(y):
            return a * y - (a + beta) * mp.log1p(mp.exp(y))

        def g(y):
            p = 1 / (1 + mp.exp(-y))
            return -mp.expm1(-m * mp.log1p(p * k)) / p

        mode = mp.log(a / beta)
        sd = mp.sqrt(1 / a + 1 / beta)
        knee = -mp.log(m * k) if m * k > 0 else mode
        pts = sorted({mode - 8 * sd, mode - 2 * sd, mode, mode + 2 * sd, mode + 8 * sd, knee})
        lo = min(pts) - 200 / a
        hi = max(pts) + 200 / beta + 50
        nodes = [lo] + pts + [hi]
        shift = logdens(mode)
        num = mp.quad(lambda y: mp.exp(logdens(y) - shift) * g(y), nodes, maxdegree=12)
        den = mp.quad(lambda y: mp.exp(logdens(y) - shift), nodes, maxdegree=12)
        return p_alive(r, alpha, a, b, x, tx, T) * num / den


class TooSlow(Exception):
    pass


def on_alarm(signum, frame):
    raise TooSlow()


def hyp2f1_or_none(*args):
    """mpmath's hyp2f1 can take minutes where b and c are ~1e8; then the check is skipped."""
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(20)
    try:
        return by_hyp2f1(*args)
    except TooSlow:
        return None
    finally:
        signal.alarm(0)


def case(name, r, alpha, a, b, t, x, tx, T, require_both=True):
    print(name, (t, x, tx, T), file=sys.stderr, flush=True)
    integral = by_integral(r, alpha, a, b, t, x, tx, T)
    hyp = hyp2f1_or_none(r, alpha, a, b, t, x, tx, T) if a != 1 else None
    if hyp is None:
        # Only the integral: check it against itself at a finer rule and higher precision.
        finer = by_integral(r, alpha, a, b, t, x, tx, T, dps=55)
        if abs(finer - integral) > mp.mpf("1e-20") * abs(finer):
            print(f"integral not settled: {name}", file=sys.stderr)
            return None
        hyp = integral
    rel = abs(hyp - integral) / abs(hyp)
    if rel > mp.mpf("1e-15"):
        print(f"disagree ({rel}): {name}", file=sys.stderr)
        if require_both:
            raise SystemExit(1)
        return None
    value = hyp
    return {
        "name": name,
        "params": {"r": r, "alpha": alpha, "a": a, "b": b},
        "t": t,
        "x": x,
        "tx": tx,
        "T": T,
        "expected": float(value),
        "pAlive": float(p_alive(*map(mp.mpf, (r, alpha, a, b)), x, mp.mpf(tx), mp.mpf(T))),
    }


def main():
    out = []
    # The five reproductions of issue 14.
    out.append(case("issue: a=b=1000", 0.2426, 30.9, 1000, 1000, 365, 2, 213, 272))
    out.append(case("issue: r=alpha=1e4", 1e4, 1e4, 1, 2.4258, 365, 2, 30.43, 38.86))
    out.append(case("issue: r=1e4 alpha=3e5 a~1", 1e4, 3e5, 0.999999, 3, 5000, 0, 0, 0))
    out.append(case("issue: r=100 alpha=3000 a~1", 100, 3000, 0.999999, 3, 5000, 0, 0, 0))
    out.append(case("issue: alpha=0.001 b=1e8", 0.2426, 0.001, 0.793, 1e8, 365, 0, 0, 0))
    out.append(case("issue: T=0 alpha=0.01 t=5000", 0.2426, 0.01, 0.793, 2.426, 5000, 0, 0, 0))
    # Typical fits (CDNOW in days, a few shop-like fits).
    typical = [
        (0.2426, 30.9, 0.793, 2.426),
        (0.5, 60, 0.3, 4),
        (1.2, 120, 2.5, 9),
        (0.05, 3, 0.1, 0.6),
    ]
    histories = [(0, 0, 0), (0, 0, 400), (1, 10, 30), (3, 200, 365), (12, 700, 730), (40, 1500, 1800),
                 (200, 3000, 3650), (10000, 7290, 7300)]
    for (r, alpha, a, b), (x, tx, T), t in itertools.product(typical, histories, (30, 365, 3650)):
        out.append(case(f"typical r={r} alpha={alpha} a={a} b={b}", r, alpha, a, b, t, x, tx, T))
    # Corners of the parameter space a maximum-likelihood fit can reach.
    corner_values = {"r": (1e-3, 1e4), "alpha": (1e-3, 1e5), "a": (1e-2, 1e3), "b": (1e-2, 1e8)}
    for r, alpha, a, b in itertools.product(*corner_values.values()):
        for (x, tx, T), t in itertools.product(((0, 0, 0), (2, 213, 272), (10000, 7000, 7300)), (1, 365, 7300)):
            c = case(f"corner r={r} alpha={alpha} a={a} b={b}", r, alpha, a, b, t, x, tx, T, require_both=False)
            if c:
                out.append(c)
    # a exactly 1 (eq. (10) is 0/0 there).
    for x, tx, T in ((0, 0, 0), (3, 100, 200)):
        out.append(case("a = 1", 0.5, 30, 1, 3, 365, x, tx, T))
    json.dump({"generator": "scripts/bgnbd_reference.py", "mpmath": mp.__version__, "cases": out},
              open("test/fixtures/bgnbd-reference.json", "w"), indent=1)
    print(f"{len(out)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
