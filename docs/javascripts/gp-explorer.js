// The GP explorer (gpnn.site.charts.gp_explorer): the posterior recomputed in the page.
//
// For the current eta, rho and sigma it computes what gpnn.posterior.gp_posterior and
// gpnn.posterior.log_marginal_likelihood compute, in float64 and in the same steps: the
// Cholesky factor L of K + sigma^2 I, alpha = L^-T L^-1 y, the mean K alpha, the variance
// eta^2 - |L^-1 k_i|^2, and -y.alpha/2 - sum(log L_ii) - n log(2 pi)/2. It pushes the mean and
// the 95% band into the chart's "post" dataset. With "prior" on, it draws f = L0 z for each
// shipped z (L0 the factor of K + jitter I), the draws gpnn.sample_gp makes with those seeds.

const Z95 = 1.959963984540054; // the 97.5% quantile of the standard normal

export default function attach({ view, figure, meta, controls }) {
  const gp = meta.gp;
  const x = Float64Array.from(gp.x);
  const y = Float64Array.from(gp.y);
  const key = figure.dataset.chart;

  const row = document.createElement("p");
  row.className = "gpnn-chart-readout";
  const name = document.createElement("span");
  name.textContent = "Log marginal likelihood";
  const output = document.createElement("output");
  output.dataset.key = `${key}-lml`;
  const best = document.createElement("span");
  best.className = "gpnn-chart-note";
  best.textContent = `(at the estimate ${gp.lml.fitted.toFixed(2)}, at the true values ${gp.lml.truth.toFixed(2)})`;
  row.append(name, output, best);
  const failed = document.createElement("p");
  failed.className = "gpnn-chart-readout gpnn-chart-note";
  failed.hidden = true;
  failed.textContent = "No prior draws at these values: the Cholesky factor of K + jitter I does not exist in float64.";
  controls.append(row, failed);

  let prior = { key: null, rows: [] };
  let scheduled = null;
  const update = () => {
    if (!scheduled) scheduled = new Promise((resolve) => requestAnimationFrame(() => resolve(run())));
    return scheduled;
  };

  async function run() {
    scheduled = null;
    const eta = view.signal("eta");
    const rho = view.signal("rho");
    const sigma = view.signal("sigma");
    const showPrior = Boolean(view.signal("prior"));
    const result = posterior(x, y, eta, rho, sigma);
    if (result) {
      const rows = Array.from(x, (xi, i) => ({
        x: xi,
        m: result.mean[i],
        sd: result.sd[i],
        lo: result.mean[i] - Z95 * result.sd[i],
        hi: result.mean[i] + Z95 * result.sd[i],
      }));
      view.data("post", rows);
      output.textContent = result.lml.toFixed(2);
      output.dataset.value = String(result.lml);
    } else {
      output.textContent = "not computable here (K + σ²I is numerically singular)";
      output.dataset.value = "NaN";
    }
    if (showPrior) {
      const wanted = `${eta} ${rho}`;
      if (prior.key !== wanted) prior = { key: wanted, rows: priorDraws(x, eta, rho, gp.jitter, gp.seeds, gp.z) };
      view.data("prior", prior.rows);
      failed.hidden = prior.rows.length > 0;
    } else {
      failed.hidden = true;
      view.data("prior", []);
    }
    await view.runAsync();
    figure.dataset.computed = JSON.stringify([eta, rho, sigma, showPrior]);
  }

  for (const signal of ["eta", "rho", "sigma", "prior"]) view.addSignalListener(signal, update);
  return run(); // the page's own numbers replace the ones computed when the site was built
}

// k(d) = eta^2 exp(-d^2 / (2 rho^2)), written as gpnn.kernels.squared_exponential computes it.
function kernel(a, b, eta, rho) {
  const d = Math.abs(a - b);
  return eta ** 2 * Math.exp((-0.5 * d ** 2) / rho ** 2);
}

// The lower Cholesky factor of the n x n matrix entry(i, j) (row-major), or null if it is not
// numerically positive definite.
export function cholesky(n, entry) {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) L[i * n + j] = entry(i, j);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = L[rj + j];
    for (let p = 0; p < j; p++) d -= L[rj + p] * L[rj + p];
    if (!(d > 0)) return null;
    const djj = Math.sqrt(d);
    L[rj + j] = djj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = L[ri + j];
      for (let p = 0; p < j; p++) s -= L[ri + p] * L[rj + p];
      L[ri + j] = s / djj;
    }
  }
  return L;
}

function forward(L, n, b) {
  // Solves L z = b.
  const z = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = z[i];
    for (let p = 0; p < i; p++) s -= L[ri + p] * z[p];
    z[i] = s / L[ri + i];
  }
  return z;
}

function backward(L, n, b) {
  // Solves L^T z = b.
  const z = Float64Array.from(b);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let p = i + 1; p < n; p++) s -= L[p * n + i] * z[p];
    z[i] = s / L[i * n + i];
  }
  return z;
}

// The posterior of the latent function at the observed locations, and the log marginal
// likelihood; null where K + sigma^2 I is not numerically positive definite.
export function posterior(x, y, eta, rho, sigma) {
  const n = x.length;
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * n + j] = kernel(x[i], x[j], eta, rho);
  const noise = sigma ** 2;
  const L = cholesky(n, (i, j) => K[i * n + j] + (i === j ? noise : 0));
  if (!L) return null;
  const alpha = backward(L, n, forward(L, n, y));
  const mean = new Float64Array(n);
  const sd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = K.subarray(i * n, (i + 1) * n); // k(x, x_i): K is symmetric
    let m = 0;
    for (let j = 0; j < n; j++) m += k[j] * alpha[j];
    mean[i] = m;
    const v = forward(L, n, k);
    let vv = 0;
    for (let j = 0; j < n; j++) vv += v[j] * v[j];
    sd[i] = Math.sqrt(Math.max(eta ** 2 - vv, 0));
  }
  let fit = 0;
  let logDet = 0;
  for (let i = 0; i < n; i++) {
    fit += y[i] * alpha[i];
    logDet += Math.log(L[i * n + i]);
  }
  const lml = -0.5 * fit - logDet - 0.5 * n * Math.log(2 * Math.PI);
  return { mean, sd, lml };
}

// f = L0 z for each seed's z, L0 the Cholesky factor of K + jitter I; [] if it has none.
export function priorDraws(x, eta, rho, jitter, seeds, z) {
  const n = x.length;
  const L = cholesky(n, (i, j) => kernel(x[i], x[j], eta, rho) + (i === j ? jitter : 0));
  if (!L) return [];
  const rows = [];
  for (const seed of seeds) {
    const draw = z[String(seed)];
    for (let i = 0; i < n; i++) {
      let f = 0;
      for (let p = 0; p <= i; p++) f += L[i * n + p] * draw[p];
      rows.push({ x: x[i], s: seed, f });
    }
  }
  return rows;
}
