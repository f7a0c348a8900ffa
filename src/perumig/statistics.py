"""Inference for few clusters and overdispersed counts, where statsmodels has no ready estimator.

- `wild_cluster_bootstrap`: the p-value of one OLS coefficient by the wild cluster bootstrap with the null
  imposed (WCR; Cameron, Gelbach and Miller 2008; MacKinnon and Webb 2018), with Webb's six-point weights,
  which, unlike the two-point Rademacher weights, still give many distinct draws with very few clusters.
- `beta_binomial`: a binomial regression whose success probability varies between observations by a beta
  distribution (logit link for the mean, one precision parameter), fitted by maximum likelihood.

Both are generic: they take arrays and know nothing of the compendium's data.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Webb (2014): six values with mean 0 and variance 1, equally likely.
WEBB_WEIGHTS = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
BOOTSTRAP_DRAWS = 9999
BOOTSTRAP_SEED = 20221231
TIE_TOLERANCE = 1e-9  # relative: |t*| within this of |t| is a tie, not an exceedance


def webb_weights(clusters: int, draws: int = BOOTSTRAP_DRAWS, seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """Cluster weights, clusters x draws: every one of the 6**clusters combinations when there are no more than
    ``draws`` of them (the bootstrap is then exact and needs no seed), otherwise ``draws`` seeded random ones."""
    if len(WEBB_WEIGHTS) ** clusters <= draws:
        return np.array(list(itertools.product(WEBB_WEIGHTS, repeat=clusters))).T
    return np.random.default_rng(seed).choice(WEBB_WEIGHTS, size=(clusters, draws))


@dataclass(frozen=True)
class WildBootstrap:
    coef: float
    t_stat: float  # cluster-robust (CRV1) t statistic of the sample
    p_value: float  # share of bootstrap |t*| above |t| (ties not counted)
    draws: int
    clusters: int
    enumerated: bool  # every weight combination was used: the p-value is exact, not a simulation


def _residual_maker(controls: np.ndarray):
    """z -> the residual of z on the columns of ``controls`` (any rank), and that rank."""
    basis, singular, _ = np.linalg.svd(controls, full_matrices=False)
    basis = basis[:, singular > singular.max() * max(controls.shape) * np.finfo(float).eps]
    return (lambda z: z - basis @ (basis.T @ z)), basis.shape[1]


def wild_cluster_bootstrap(y, x, controls, clusters, weights: np.ndarray | None = None) -> WildBootstrap:
    """Test beta = 0 in y = beta * x + controls @ gamma + u, errors clustered by ``clusters``.

    The bootstrap samples are y* = (fit of y on the controls alone) + (its residual) * v_g, one weight v_g per
    cluster; each is refitted with x and its cluster-robust t* computed as for the sample (CRV1, the small-sample
    factor of statsmodels' cluster covariance). By Frisch-Waugh-Lovell every refit reduces to sums over clusters
    of the controls-residualised x, so all draws cost one G x G matrix product (Roodman et al. 2019).
    ``weights`` (clusters x draws, clusters in sorted order) defaults to `webb_weights`.
    """
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    codes, labels = pd.factorize(np.asarray(clusters), sort=True)
    members = np.eye(len(labels))[codes]  # N x G indicator of each observation's cluster
    residual, rank = _residual_maker(np.asarray(controls, dtype=float))
    x_net, restricted = residual(x), residual(y)  # restricted: the residual under the null beta = 0
    xx = x_net @ x_net
    coef = x_net @ restricted / xx
    n_obs, n_clusters = len(y), len(labels)
    small_sample = n_clusters / (n_clusters - 1) * (n_obs - 1) / (n_obs - rank - 1)

    def t_values(scores: np.ndarray, beta: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return beta / (np.sqrt(small_sample * (scores ** 2).sum(axis=0)) / xx)

    t_stat = float(t_values((members.T @ (x_net * (restricted - coef * x_net)))[:, None], np.array([coef]))[0])
    weights = webb_weights(n_clusters) if weights is None else np.asarray(weights, dtype=float)
    # by_cluster[g, h]: x_net over cluster g times the residualised restricted residual of cluster h alone.
    by_cluster = members.T @ (x_net[:, None] * residual(members * restricted[:, None]))
    beta_star = by_cluster.sum(axis=0) @ weights / xx
    scores_star = by_cluster @ weights - np.outer(members.T @ x_net ** 2, beta_star)
    t_star = t_values(scores_star, beta_star)
    enumerated = weights.shape[1] == len(WEBB_WEIGHTS) ** n_clusters
    # A constant weight vector rescales the sample, so its |t*| equals |t|: such ties are not counted as exceeding,
    # whatever the rounding (the usual convention, p = share of |t*| > |t|).
    exceeds = np.abs(t_star) > abs(t_stat) * (1 + TIE_TOLERANCE)
    return WildBootstrap(coef=float(coef), t_stat=t_stat, p_value=float(np.mean(exceeds)),
                         draws=weights.shape[1], clusters=n_clusters, enumerated=enumerated)


@dataclass(frozen=True)
class BetaBinomialFit:
    params: pd.Series  # the mean's logit coefficients
    conf_int: pd.DataFrame  # 95 % Wald intervals of params (columns low, high), from the observed information
    p_values: pd.Series
    precision: float  # phi: a country-year's rate is Beta(mu * phi, (1 - mu) * phi)
    intraclass_correlation: float  # rho = 1 / (1 + phi): var = n mu (1 - mu) (1 + (n - 1) rho)
    loglike: float
    nobs: int
    converged: bool


# Bounds of log(phi): below, rates would be near 0 or 1 only; above, the beta-binomial is the binomial to within
# rounding. Data with no overdispersion put phi on the upper bound; its intervals are then those of the binomial.
LOG_PRECISION_BOUNDS = (np.log(1e-3), np.log(1e7))
NEWTON_POLISH_STEPS = 3
POLISH_LOGLIKE_SLACK = 1e-9  # rounding of a log-likelihood of a few hundred: a step within it is not a loss


def beta_binomial(successes, trials, exog: pd.DataFrame) -> BetaBinomialFit:
    """Beta-binomial regression: logit(mean rate) = exog @ beta, with one precision phi for all observations.

    Unlike the binomial, an observation with many trials does not pin the fit down on its own: however large n,
    its rate carries the between-observation variance mu (1 - mu) rho, so 25,000 decisions in one country-year
    weigh about as much as 2,500. Maximum likelihood (L-BFGS-B from the binomial fit, analytic score, then Newton
    steps); 95 % Wald intervals from the analytic observed information, conditional on phi when phi sits on its
    upper bound (no overdispersion).
    """
    import statsmodels.api as sm
    from scipy import optimize, special, stats

    successes, trials = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    design = np.asarray(exog, dtype=float)

    def shapes(params: np.ndarray):
        mean = np.clip(special.expit(design @ params[:-1]), 1e-12, 1 - 1e-12)
        precision = np.exp(params[-1])
        return mean, precision, mean * precision, (1 - mean) * precision

    def loglike(params: np.ndarray) -> float:
        _, _, a, b = shapes(params)
        return float(stats.betabinom.logpmf(successes, trials, a, b).sum())

    def shape_derivatives(params: np.ndarray):
        """The log-likelihood's first derivatives in a and b, and how a and b move with the linear predictor."""
        mean, precision, a, b = shapes(params)
        total = special.digamma(trials + a + b) - special.digamma(a + b)
        d_a = special.digamma(successes + a) - special.digamma(a) - total
        d_b = special.digamma(trials - successes + b) - special.digamma(b) - total
        return mean, precision * mean * (1 - mean), a, b, d_a, d_b  # a moves by +slope, b by -slope

    def score(params: np.ndarray) -> np.ndarray:
        """The analytic gradient (finite differences are too coarse when n runs to tens of thousands)."""
        _, slope, a, b, d_a, d_b = shape_derivatives(params)
        return np.append(design.T @ (slope * (d_a - d_b)), (a * d_a + b * d_b).sum())

    def information(params: np.ndarray) -> np.ndarray:
        """Minus the analytic Hessian. A finite-difference one carries noise of about 1e-9 relative that changes
        with the processor's floating-point code paths, enough to change the printed digits of the intervals."""
        mean, slope, a, b, d_a, d_b = shape_derivatives(params)
        total = special.polygamma(1, trials + a + b) - special.polygamma(1, a + b)
        h_aa = special.polygamma(1, successes + a) - special.polygamma(1, a) - total
        h_bb = special.polygamma(1, trials - successes + b) - special.polygamma(1, b) - total
        h_ab = -total
        # Chain rule with eta the linear predictor and theta = log(phi): da/deta = slope = -db/deta, da/dtheta = a,
        # db/dtheta = b, and d slope/d eta = slope (1 - 2 mean), d slope/d theta = slope.
        linear_linear = slope * (1 - 2 * mean) * (d_a - d_b) + slope ** 2 * (h_aa - 2 * h_ab + h_bb)
        linear_log = slope * (d_a - d_b) + slope * (a * (h_aa - h_ab) + b * (h_ab - h_bb))
        log_log = a * d_a + b * d_b + a ** 2 * h_aa + 2 * a * b * h_ab + b ** 2 * h_bb
        hessian = np.block([[design.T @ (linear_linear[:, None] * design), (design.T @ linear_log)[:, None]],
                            [design.T @ linear_log, log_log.sum()]])
        return -hessian

    binomial = sm.GLM(successes / trials, design, family=sm.families.Binomial(), var_weights=trials).fit()
    start = np.append(binomial.params, np.log(10.0))
    bounds = [(None, None)] * design.shape[1] + [LOG_PRECISION_BOUNDS]
    result = optimize.minimize(lambda params: -loglike(params), start, jac=lambda params: -score(params),
                               method="L-BFGS-B", bounds=bounds, options={"maxiter": 5000, "gtol": 1e-8})
    params = result.x.copy()
    at_bound = params[-1] >= LOG_PRECISION_BOUNDS[1] - 1e-6
    free = slice(None, -1) if at_bound else slice(None)
    # L-BFGS-B stops within its gradient tolerance at a point that depends on its path, and the path on the
    # processor's rounding (seen: 1e-11 apart, enough to change printed digits). Newton steps with the analytic
    # information converge quadratically from there to the optimum itself, the same on every machine.
    # A step that would lower the likelihood (far from the optimum, or an information near singular) is not taken.
    for _ in range(NEWTON_POLISH_STEPS):
        polished = params.copy()
        polished[free] += np.linalg.solve(information(params)[free, free], score(params)[free])
        if not np.isfinite(loglike(polished)) or loglike(polished) < loglike(params) - POLISH_LOGLIKE_SLACK:
            break
        params = polished
    covariance = np.linalg.inv(information(params)[free, free])[:design.shape[1], :design.shape[1]]
    errors = np.sqrt(np.diag(covariance))
    names = list(exog.columns)
    coefficients = pd.Series(params[:-1], index=names)
    half = stats.norm.ppf(0.975) * errors
    intervals = pd.DataFrame({"low": coefficients - half, "high": coefficients + half}, index=names)
    p_values = pd.Series(2 * stats.norm.sf(np.abs(params[:-1] / errors)), index=names)
    precision = float(np.exp(params[-1]))
    return BetaBinomialFit(params=coefficients, conf_int=intervals, p_values=p_values, precision=precision,
                           intraclass_correlation=1 / (1 + precision), loglike=loglike(params),
                           nobs=len(successes), converged=bool(result.success))
