#!/usr/bin/python3
"""Writes the PyTorch reference fixtures for the style-transfer engine's options.

Run with Debian's interpreter and packages (apt-get install python3-torch python3-torchvision, and
libopenblas0-pthread: with the reference BLAS the W2 loss's matmuls alone take hours), from
anywhere; it took 50 minutes on two cores shared with a build (the W2 case 19, the 256² curves 10):

    /usr/bin/python3 scripts/reference/make_engine_fixtures.py

It writes src/test/resources/reference/engine.json (Adam with max or average pooling, the Gram or
the W2 style loss, an averaged image, style-layer weights and two styles painted through masks;
L-BFGS loss against evaluations at 64²), lbfgs-256.json (the same L-BFGS curves at 256², for the
benchmark) and the input images it adds (transfer-style2.png, transfer-mask1.png,
transfer-mask2.png, lbfgs-content-256.png, lbfgs-style-256.png); the 64² content and first style
are make_fixtures.py's. The network is torchvision's VGG19 with seeded He-uniform weights
that ReferenceWeights.seeded computes too: make_fixtures.py's Weyl formula makes every filter a
phase-shifted copy of the last, and its block4/block5 style terms come out 1e-10 of block1's, so
those weights cannot show a deep layer wrong. CI never runs this script.
"""
import copy
import ctypes
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torchvision
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import CONTENT, MEAN, OUT, STD, STYLE, formula, gram, make_images, tap_names  # noqa: E402

SEED = 7
NS_ITERATIONS = 20
W2_EPS = 1e-4
RECORD_STEPS = (1, 10, 25, 50)
PERTURBATION = 1e-6
# content, style, tv weights: each weighted term within ~30× of the others by step 50 (main prints
# them). No choice makes these trajectories insensitive: ReLU and max-pool kinks under Adam's
# per-pixel steps turn a 1e-6 change of the start into ~3e-3 relative by step 50 (1e-2 for W2, 5e-4
# with average pooling), even with content weight 0; each case records it under "stability" so the
# Java tests can size their tolerances.
ADAM_WEIGHTS = {
    "adam-max": (0.1, 1e3, 1.0),
    "adam-avg": (0.1, 3e3, 1.0),
    "adam-w2": (0.1, 0.1, 1.0),
    "adam-ema": (0.1, 1e3, 1.0),
    "adam-layer-weights": (0.1, 1e3, 1.0),
    "adam-masked": (0.1, 1e3, 1.0),
}
MASKS = ("transfer-mask1.png", "transfer-mask2.png")
LBFGS_WEIGHTS = (1e2, 1e4, 10.0)
LBFGS_256_BUDGETS = [5, 10, 20, 40, 80]


def splitmix64(z):
    """Vigna's splitmix64 over a uint64 array; numpy's uint64 arithmetic wraps mod 2⁶⁴."""
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def seeded(key, shape, seed=SEED):
    """He-uniform convolution weights and small biases; must match ReferenceWeights.seeded exactly."""
    index, name = int(key.split(".")[1]), key.split(".")[2]
    if name == "weight" and len(shape) == 4:
        kind = 0
    elif name == "bias":
        kind = 1
    else:
        raise ValueError(key)
    n = int(np.prod(shape))
    stream = (seed * 1000003 + index * 16 + kind) % 2 ** 64
    with np.errstate(over="ignore"):
        z = splitmix64(np.uint64((stream << 32) % 2 ** 64) + np.arange(n, dtype=np.uint64))
    u = (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53  # exact: 53 bits fit a double
    if kind == 0:
        v = (u - 0.5) * math.sqrt(12.0) * math.sqrt(2.0 / (n / shape[0]))
    else:
        v = (u - 0.5) * 0.02
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def vgg19_features(weights):
    """torchvision's VGG19 features with the given weights, cut after block5_conv1's ReLU (index 29)."""
    torch.manual_seed(0)
    model = torchvision.models.vgg19()
    state = {k: weights(k, tuple(v.shape)) for k, v in model.state_dict().items() if k.startswith("features.")}
    model.load_state_dict(state, strict=False)
    features = model.features[:30].eval()
    for p in features.parameters():
        p.requires_grad_(False)
    return features


def average_pooled(features):
    """The same network with every MaxPool2d replaced by a 2×2, stride-2 average pool."""
    features = copy.deepcopy(features)
    for i, layer in enumerate(features):
        if isinstance(layer, torch.nn.MaxPool2d):
            features[i] = torch.nn.AvgPool2d(kernel_size=2, stride=2)
    return features


def newton_schulz(a, iterations=NS_ITERATIONS):
    """Coupled Newton–Schulz iterations on an SPD matrix: (a^½, a^-½), in float64 and outside autograd.

    float64, as the engine does, so that the iterations add no rounding of their own. More than
    NS_ITERATIONS is worse: the float32 rounding of a nearly singular input leaves it small negative
    eigenvalues, which each iteration multiplies by about 1.5 (see the error table main prints)."""
    a = a.detach().double()
    eye = torch.eye(a.shape[0], dtype=a.dtype)
    norm = a.norm()
    y, z = a / norm, eye
    for _ in range(iterations):
        t = 0.5 * (3 * eye - z @ y)
        y, z = y @ t, t @ z
    return y * norm.sqrt(), z / norm.sqrt()


def trace_sqrtm(m, iterations=NS_ITERATIONS):
    """tr(m^½) with the gradient ½·m^-½ (exact for symmetric m: 2·tr(L) = tr(m^-½ dm) where m^½L + Lm^½ = dm),
    both from one Newton–Schulz run, instead of autograd through the iterations."""
    root, inverse_root = newton_schulz(m, iterations)
    linear = (m * (0.5 * inverse_root).to(m.dtype)).sum()
    return linear - linear.detach() + torch.trace(root).to(m.dtype)


def sqrtm_eigh(a):
    """The exact square root (float64 eigendecomposition), to measure Newton–Schulz against."""
    values, vectors = torch.linalg.eigh(a)
    return vectors @ torch.diag(values.clamp(min=0).sqrt()) @ vectors.t()


def moments(f):
    """Channel mean and raw second moment F·Fᵀ/P of a C×H×W tap."""
    m = f.reshape(f.shape[0], -1)
    return m.mean(dim=1), m @ m.t() / m.shape[1]


def covariance(mean, srm):
    return srm - torch.outer(mean, mean) + W2_EPS * torch.eye(mean.shape[0], dtype=mean.dtype)


def w2_term(f, target, trace_root=trace_sqrtm):
    """crowsonkb's W2 term of one layer against a (mean, covariance, covariance^½) target, over C."""
    mean_t, cov_t, sqrt_cov_t = target
    mean, srm = moments(f)
    cov = covariance(mean, srm)
    cross = trace_root(sqrt_cov_t @ cov @ sqrt_cov_t)
    return ((mean - mean_t).pow(2).sum() + torch.trace(cov + cov_t) - 2 * cross) / f.shape[0]


def w2_target(taps, style_weights, sqrtm=lambda a: newton_schulz(a)[0].float()):
    """Blends the styles' raw moments (not their covariances), then takes the covariance's root once."""
    mean = sum(w * moments(t)[0] for w, t in zip(style_weights, taps))
    srm = sum(w * moments(t)[1] for w, t in zip(style_weights, taps))
    cov = covariance(mean, srm)
    return mean, cov, sqrtm(cov).to(cov.dtype)


def masks_image(size=64):
    """The masked case's two 8-bit masks (x the column, y the row): they overlap in columns 19–22, the
    second is half-strength (128) in rows 41–49, and some pixels lie under neither (content loss only)."""
    y, x = np.mgrid[0:size, 0:size]
    first = np.where(x < 23, 255, 0)
    second = np.where((x >= 19) & (y < 41), 255, np.where((x >= 19) & (y >= 41) & (y < 50), 128, 0))
    return [m.astype(np.uint8) for m in (first, second)]


def load_mask(name):
    """An 8-bit greyscale mask as float32 m = pixel / 255, H×W."""
    return torch.from_numpy(np.array(Image.open(os.path.join(OUT, name)).convert("L")).astype(np.float32)) / 255.0


def masked_gram(f, m):
    """The Gram of a C×h×w tap weighted by the mask m resized to h×w: Fm·Fmᵀ / (C·Σm²) with Fm = F·m per pixel;
    with m all ones it is gram(f)."""
    c, h, w = f.shape
    fm = f.reshape(c, h * w) * m.reshape(1, h * w)
    return fm @ fm.t() / (c * m.pow(2).sum())


class Objective:
    """API.md's style-transfer loss over the [0, 1] image with the engine's style options.

    names maps a features index to its tap name (the max-pooled network's numbering, kept when
    average pooling replaces the pools). With masks (one H×W float tensor in [0, 1] per style, the
    image's size), each style keeps its own Gram target and is compared, at every style layer, with
    the masked Gram of the image's tap under its mask area-averaged to the tap's size; the style
    term is then Σ_layers layerWeight · Σ_styles styleWeight · mean((masked Gram − style's Gram)²)."""

    def __init__(self, features, names, content, styles, style_weights, weights, layer_weights=(1.0,) * 5, style_loss="gram",
                 masks=None):
        self.features, self.names, self.weights = features, names, weights
        self.layer_weights, self.style_loss = layer_weights, style_loss
        total = sum(style_weights)
        self.style_weights = [w / total for w in style_weights]
        self.masks = None
        with torch.no_grad():
            content_taps = self.taps(content)
            self.content_target = content_taps[CONTENT][0]
            style_taps = [self.taps(s) for s in styles]
            if masks is not None:
                if style_loss != "gram" or len(masks) != len(styles):
                    raise ValueError("masks need the Gram loss and one mask per style")
                self.masks = [{k: torch.nn.functional.adaptive_avg_pool2d(m[None, None], tuple(content_taps[k].shape[-2:]))[0, 0]
                               for k in STYLE} for m in masks]
                self.style_targets = [{k: gram(t[k][0]) for k in STYLE} for t in style_taps]
            elif style_loss == "gram":
                self.style_targets = {k: sum(w * gram(t[k][0]) for w, t in zip(self.style_weights, style_taps)) for k in STYLE}
            elif style_loss == "w2":
                self.style_targets = {k: w2_target([t[k][0] for t in style_taps], self.style_weights) for k in STYLE}
            else:
                raise ValueError(style_loss)

    def taps(self, x):
        x = (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
        out = {}
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in self.names:
                out[self.names[i]] = x
        return out

    def layer_terms(self, t):
        """The unweighted style term of each layer."""
        if self.masks is not None:
            return {k: sum(w * (masked_gram(t[k][0], m[k]) - g[k]).pow(2).mean()
                           for w, m, g in zip(self.style_weights, self.masks, self.style_targets)) for k in STYLE}
        if self.style_loss == "gram":
            return {k: (gram(t[k][0]) - self.style_targets[k]).pow(2).mean() for k in STYLE}
        return {k: w2_term(t[k][0], self.style_targets[k]) for k in STYLE}

    def __call__(self, x):
        t = self.taps(x)
        content = (t[CONTENT][0] - self.content_target).pow(2).mean()
        terms = self.layer_terms(t)
        style = sum(lw * terms[k] for lw, k in zip(self.layer_weights, STYLE))
        tv = (x[:, :, 1:, :] - x[:, :, :-1, :]).pow(2).mean() + (x[:, :, :, 1:] - x[:, :, :, :-1]).pow(2).mean()
        cw, sw, tw = self.weights
        total = cw * content + sw * style + tw * tv
        return total, {"total": float(total), "content": float(content), "style": float(style), "tv": float(tv)}

    def losses(self, x):
        with torch.no_grad():
            return self(x)[1]


def to_tensor(img):
    return torch.from_numpy(img).permute(2, 0, 1).float().unsqueeze(0).div(255.0).contiguous()


def load(name):
    return to_tensor(np.array(Image.open(os.path.join(OUT, name)).convert("RGB")))


def eight_bit(x):
    """What the service delivers: the image rounded to 8 bits."""
    return torch.round(x * 255) / 255


class Average:
    """crowsonkb's bias-corrected exponential moving average of the image."""

    def __init__(self, decay, x):
        self.decay, self.accum, self.biased = decay, 1.0, torch.zeros_like(x)
        self.update(x)

    def update(self, x):
        self.accum *= self.decay
        self.biased.mul_(self.decay).add_(x, alpha=1 - self.decay)

    def get(self):
        return self.biased / (1 - self.accum)


def run_adam(objective, start, decay=0.0, steps=50, lr=0.02):
    """torch.optim.Adam from start, clamped after every step; the losses of evaluations RECORD_STEPS."""
    x = start.clone().requires_grad_(True)
    adam = torch.optim.Adam([x], lr=lr)
    average = Average(decay, x.detach()) if decay else None
    trajectory = {}
    for step in range(1, steps + 1):
        adam.zero_grad()
        total, losses = objective(x)
        total.backward()
        adam.step()
        with torch.no_grad():
            x.clamp_(0, 1)
            if average:
                average.update(x)
        if step in RECORD_STEPS:
            trajectory[str(step)] = losses
    image = average.get() if average else x.detach()
    return {"lossesAtStep": trajectory, "final": objective.losses(image), "delivered": objective.losses(eight_bit(image))}


def stripes(rng, h, w):
    """Diagonal bands of three colours with noise: a second style unlike the checker pattern."""
    y, x = np.mgrid[0:h, 0:w]
    palette = np.array([[200, 40, 40], [40, 160, 220], [240, 200, 60]])
    v = palette[((x + y) // 5) % 3] + rng.normal(0, 25, (h, w, 3))
    return np.clip(v, 0, 255).round().astype(np.uint8)


def weight_samples(features, keys=("features.0.weight", "features.0.bias", "features.21.weight", "features.28.weight")):
    """Eight values per tensor, the last element included, as loaded into the network, for SeededWeightsTests."""
    state = features.state_dict()
    samples = {}
    for key in keys:
        flat = state[key.split(".", 1)[1]].flatten()
        n = flat.numel()
        samples[key] = [[i, float(flat[i])] for i in sorted(set([(k * n) // 7 for k in range(7)] + [n - 1]))]
    return samples


def layer_terms_at(objective, x):
    with torch.no_grad():
        return {k: float(v) for k, v in objective.layer_terms(objective.taps(x)).items()}


def newton_schulz_error(objective, x, styles, style_weights):
    """Each layer's W2 term at x with k Newton–Schulz iterations (float64, as the loss computes them) against
    the exact value (float64 eigendecomposition)."""
    with torch.no_grad():
        taps, style_taps = objective.taps(x), [objective.taps(s) for s in styles]
        out = {}
        for k in STYLE:
            f, sf = taps[k][0], [t[k][0] for t in style_taps]
            exact = float(w2_term(f.double(), w2_target([t.double() for t in sf], style_weights, sqrtm_eigh),
                                  lambda a: torch.trace(sqrtm_eigh(a))))
            ns = {}
            for n in (10, 15, 20, 25, 30):
                target = w2_target(sf, style_weights, lambda a, n=n: newton_schulz(a, n)[0].float())
                v = float(w2_term(f, target, lambda a, n=n: trace_sqrtm(a, n)))
                ns[str(n)] = v if math.isfinite(v) else None  # null: the iteration broke down (JSON has no NaN)
            out[k] = {"exact": exact, "newtonSchulz": ns,
                      "relativeError": {n: None if v is None else (v - exact) / exact for n, v in ns.items()}}
        return out


def stability(objective, content, decay, reference, seeds=(1, 2)):
    """Reruns from content + PERTURBATION·noise: the largest relative change of each recorded loss set.

    Terms that are exactly zero in the reference (content at step 1) have no relative change and are skipped."""
    change = {}
    for seed in seeds:
        noise = torch.randn(content.shape, generator=torch.Generator().manual_seed(seed))
        rerun = run_adam(objective, (content + PERTURBATION * noise).clamp(0, 1), decay)  # the start lies in the box too
        pairs = [(k, reference["lossesAtStep"][k], rerun["lossesAtStep"][k]) for k in reference["lossesAtStep"]]
        pairs += [(k, reference[k], rerun[k]) for k in ("final", "delivered")]
        for k, a, b in pairs:
            rel = max(abs(a[t] - b[t]) / abs(a[t]) for t in a if a[t] != 0)
            change[k] = max(change.get(k, 0.0), rel)
    return {"perturbation": PERTURBATION, "noiseSeeds": list(seeds), "maxRelativeChange": change}


def adam_case(features, names, content, style_files, style_weights, weights, layer_weights=(1.0,) * 5, pooling="max",
              style_loss="gram", decay=0.0, mask_files=None):
    styles = [load(name) for name in style_files]
    network = average_pooled(features) if pooling == "avg" else features
    masks = [load_mask(name) for name in mask_files] if mask_files else None
    objective = Objective(network, names, content, styles, style_weights, weights, layer_weights, style_loss, masks)
    case = {"optimizer": "adam", "learningRate": 0.02, "steps": 50, "init": "content", "weights": list(weights),
            "styles": list(style_files), "styleWeights": list(style_weights), "styleLayerWeights": list(layer_weights),
            "pooling": pooling, "styleLoss": style_loss, "averageDecay": decay,
            "styleLayersAtStart": layer_terms_at(objective, content)}
    if mask_files:
        case["masks"] = list(mask_files)
    case.update(run_adam(objective, content, decay))
    case["stability"] = stability(objective, content, decay, case)
    return case, objective


def lbfgs_curves(features, names, content_file, style_file, budgets, evaluations):
    """Loss against evaluations for torch's unclamped L-BFGS (clamped at the end) and for a projection
    that re-evaluates each step (one-iteration steps, clamping in between)."""
    content = load(content_file)
    objective = Objective(features, names, content, [load(style_file)], [1.0], LBFGS_WEIGHTS)

    def optimiser(x, max_iter):
        opt = torch.optim.LBFGS([x], lr=1, max_iter=max_iter, history_size=100, line_search_fn="strong_wolfe")
        count = [0]

        def closure():
            opt.zero_grad()
            total, _ = objective(x)
            total.backward()
            count[0] += 1
            return total

        return opt, closure, count

    def totals(x):
        clamped = x.detach().clamp(0, 1)
        return {"total": objective.losses(clamped)["total"], "delivered": objective.losses(eight_bit(clamped))["total"]}

    unclamped = []
    for budget in budgets:
        x = content.clone().requires_grad_(True)
        opt, closure, count = optimiser(x, budget)
        opt.step(closure)
        entry = {"maxIter": budget, "iterations": opt.state[x]["n_iter"], "evaluations": count[0],
                 "unclampedTotal": objective.losses(x.detach())["total"]}
        entry.update(totals(x))
        unclamped.append(entry)
        print("  unclamped max_iter %3d: %3d evaluations, total %.5g (clamped), %.5g (8-bit)"
              % (budget, count[0], entry["total"], entry["delivered"]), flush=True)
    x = content.clone().requires_grad_(True)
    opt, closure, count = optimiser(x, 1)
    projected = []
    while count[0] < evaluations:
        opt.step(closure)
        with torch.no_grad():
            x.clamp_(0, 1)
        entry = {"iterations": opt.state[x]["n_iter"], "evaluations": count[0]}
        entry.update(totals(x))
        projected.append(entry)
    print("  projected: %d evaluations, total %.5g (8-bit %.5g)" % (count[0], projected[-1]["total"], projected[-1]["delivered"]))
    return {"size": content.shape[-1], "weights": list(LBFGS_WEIGHTS), "content": content_file, "styles": [style_file],
            "initial": objective.losses(content), "torchUnclamped": unclamped, "projectedReevaluating": projected}


def report_layers(label, terms):
    largest = max(terms.values())
    shares = "  ".join("%s %.2g" % (k.split("_")[0], v / largest) for k, v in terms.items())
    note = "" if min(terms["block4_conv1"], terms["block5_conv1"]) >= 1e-3 * largest else "  <- deep layers negligible"
    print("  %-20s style terms / largest: %s%s" % (label, shares, note))


def keep_freed_memory():
    """glibc hands large freed blocks back to the kernel, so every temporary of the W2 loss's 512×512
    matmuls page-faults afresh, several times slower than its arithmetic on a small VM; keeping them
    in the heap changes no result."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD
    libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD


def main():
    """With --only CASE (e.g. --only adam-w2), reruns (or adds) that Adam case into the existing engine.json and stops."""
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    torch.set_num_threads(2)
    keep_freed_memory()
    began = time.time()
    if only:
        with open(os.path.join(OUT, "engine.json")) as f:
            previous = json.load(f)
    style2 = stripes(np.random.default_rng(20261126), 64, 64)
    Image.fromarray(style2).save(os.path.join(OUT, "transfer-style2.png"))
    for mask, name in zip(masks_image(), MASKS):
        Image.fromarray(mask, mode="L").save(os.path.join(OUT, name))
    for img, name in zip(make_images(np.random.default_rng(20261127), 256, 256), ("lbfgs-content-256.png", "lbfgs-style-256.png")):
        Image.fromarray(img).save(os.path.join(OUT, name))

    features = vgg19_features(seeded)
    names = {i: n for i, n in tap_names(features).items() if n in STYLE + [CONTENT]}
    content = load("transfer-content.png")
    styles = ["transfer-style.png", "transfer-style2.png"]
    result = {"generator": "torch %s, torchvision %s" % (torch.__version__, torchvision.__version__),
              "weights": {"scheme": "seeded He-uniform (splitmix64), see make_engine_fixtures.py", "seed": SEED,
                          "samples": weight_samples(features)},
              "size": 64, "content": "transfer-content.png", "contentLayer": CONTENT, "styleLayers": STYLE,
              "newtonSchulzIterations": NS_ITERATIONS, "w2Epsilon": W2_EPS}

    print("style terms at the content image, against transfer-style.png:")
    formula_objective = Objective(vgg19_features(formula), names, content, [load(styles[0])], [1.0], (1, 1, 1))
    report_layers("formula weights", layer_terms_at(formula_objective, content))

    specs = {
        "adam-max": dict(style_files=styles[:1], style_weights=[1.0], weights=ADAM_WEIGHTS["adam-max"]),
        "adam-avg": dict(style_files=styles[:1], style_weights=[1.0], weights=ADAM_WEIGHTS["adam-avg"], pooling="avg"),
        "adam-w2": dict(style_files=styles, style_weights=[0.7, 0.3], weights=ADAM_WEIGHTS["adam-w2"], style_loss="w2"),
        "adam-ema": dict(style_files=styles[:1], style_weights=[1.0], weights=ADAM_WEIGHTS["adam-ema"], decay=0.9),
        "adam-layer-weights": dict(style_files=styles[:1], style_weights=[1.0], weights=ADAM_WEIGHTS["adam-layer-weights"],
                                   layer_weights=[0.5, 1.0, 2.0, 4.0, 8.0]),
        "adam-masked": dict(style_files=styles, style_weights=[0.6, 0.4], weights=ADAM_WEIGHTS["adam-masked"],
                            mask_files=list(MASKS)),
    }
    if only:
        specs = {only: specs[only]}
        result = previous
        result["newtonSchulzIterations"] = NS_ITERATIONS
    cases = {}
    for name, spec in specs.items():
        t = time.time()
        case, objective = adam_case(features, names, content, **spec)
        cases[name] = case
        report_layers(name, case["styleLayersAtStart"])
        if name == "adam-w2":
            result["w2NewtonSchulzError"] = newton_schulz_error(objective, content, [load(s) for s in styles], [0.7, 0.3])
        weighted = lambda l: "  ".join("%s %.3g" % (k, w * l[k]) for k, w in zip(("content", "style", "tv"), case["weights"]))
        print("    step 1: %s\n    step 50: %s" % (weighted(case["lossesAtStep"]["1"]), weighted(case["lossesAtStep"]["50"])))
        change = case["stability"]["maxRelativeChange"]
        print("    rerun from content + %g noise, largest relative change: %s%s (%.0f s)"
              % (PERTURBATION, "  ".join("%s %.1e" % kv for kv in change.items()),
                 "" if max(change.values()) < 1e-4 else "  <- over 1e-4", time.time() - t), flush=True)
    if only:
        result["cases"].update(cases)
    else:
        result["cases"] = cases
    print("W2 term, Newton–Schulz against exact (relative error by iterations):")
    for k, v in result["w2NewtonSchulzError"].items():
        errors = ("%s: %s" % (n, "nan" if e is None else "%+.1e" % e) for n, e in v["relativeError"].items())
        print("  %s exact %.5g  %s" % (k, v["exact"], "  ".join(errors)))

    if only:
        with open(os.path.join(OUT, "engine.json"), "w") as f:
            json.dump(result, f, indent=1)
        print("rewrote %s in engine.json after %.0f s" % (only, time.time() - began), flush=True)
        return
    print("L-BFGS 64²:")
    result["lbfgs"] = lbfgs_curves(features, names, "transfer-content.png", styles[0], [5, 10, 20, 40, 80, 160], 160)
    with open(os.path.join(OUT, "engine.json"), "w") as f:
        json.dump(result, f, indent=1)
    print("wrote engine.json after %.0f s" % (time.time() - began), flush=True)

    t = time.time()
    print("L-BFGS 256²:")
    curves = lbfgs_curves(features, names, "lbfgs-content-256.png", "lbfgs-style-256.png", LBFGS_256_BUDGETS,
                          LBFGS_256_BUDGETS[-1])
    curves.update({"generator": result["generator"], "weightsSeed": SEED})
    with open(os.path.join(OUT, "lbfgs-256.json"), "w") as f:
        json.dump(curves, f, indent=1)
    print("wrote lbfgs-256.json: 256² took %.0f s, all %.0f s" % (time.time() - t, time.time() - began))


if __name__ == "__main__":
    main()
