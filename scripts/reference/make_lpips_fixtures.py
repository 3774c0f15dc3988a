#!/usr/bin/python3
"""Writes the PyTorch reference fixtures for the LPIPS metric (v0.1, VGG16 backbone).

Run with Debian's interpreter and packages (apt-get install python3-torch python3-torchvision), from
anywhere; it takes about ten seconds:

    /usr/bin/python3 scripts/reference/make_lpips_fixtures.py

The `lpips` pip package is not used: this script computes the published formula as
richzhang/PerceptualSimilarity's lpips package (v0.1, net='vgg', lpips=True, normalize=True)
does, step for step:

  * the [0, 1] image becomes 2x − 1, then ScalingLayer's (x − shift) / scale per channel;
  * torchvision's VGG16 features, cut into the slices [0:4], [4:9], [9:16], [16:23], [23:30], whose
    outputs are the taps relu1_2, relu2_2, relu3_3, relu4_3, relu5_3 (the ReLUs at indices 3, 8, 15,
    22, 29); each image goes through the network on its own, as lpips does;
  * each tap divided by (its channel vector's L2 norm + 1e-10) (lpips.normalize_tensor);
  * the squared difference of the two images' normalised taps, through the layer's 1×1 convolution
    with the non-negative lin weights (no bias; dropout is off in eval mode);
  * spatial_average (mean over H and W) of each layer's 1×1×h×w map, added layer by layer in order;
    or, with spatial=True, each map upsampled to the input's H×W (nn.Upsample(size=(H, W),
    mode='bilinear', align_corners=False)) and added layer by layer.

The VGG16 weights are make_engine_fixtures.py's seeded He-uniform weights (splitmix64, SEED) by
torchvision key, which ReferenceWeights.writeSeeded rebuilds in Java from the same key names. The lin
weights are in lpips-lin.npz under the lpips package's own state-dict keys (lin0.model.1.weight …
lin4.model.1.weight, float32, [1, C, 1, 1]). Input pixels are 8-bit RGB, read as pixel / 255 in
float32. Everything is computed in float32, as the Java side does, and again in float64 to
record how far float32 rounding alone moves each value.

It writes src/test/resources/reference/lpips.json, lpips-lin.npz and the non-square pair's images
lpips-a.png and lpips-b.png; reference.png and candidate.png are make_fixtures.py's. CI never runs
this script.
"""
import copy
import json
import os
import sys
import time

import numpy as np
import torch
import torchvision
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_engine_fixtures import SEED, seeded, weight_samples  # noqa: E402
from make_fixtures import OUT  # noqa: E402

LAYERS = ["relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3"]
SLICES = [(0, 4), (4, 9), (9, 16), (16, 23), (23, 30)]  # features[a:b]; the tap is ReLU b − 1's output
CHANNELS = [64, 128, 256, 512, 512]
SHIFT = [-.030, -.088, -.188]
SCALE = [.458, .448, .450]
NORM_EPS = 1e-10
LIN_SEED = 20261201
# lin weight of channel c in layer l: LIN_GAIN[l] · u_c, u_c uniform in [0, 1) from
# numpy.random.default_rng(LIN_SEED).random, drawn layer after layer (64, then 128, … values).
# The gains even out the five layers' shares of the distance (each at least 5 % in every case;
# main prints them): with the seeded VGG16 the two images' unit-normalised taps differ less the
# deeper the tap (Σ_c of the squared difference, averaged over the map, falls from ~0.7 at relu1_2
# to ~0.09 at relu5_3 for reference/candidate), so equal gains would leave relu5_3 near 5 %.
LIN_GAIN = [0.25, 0.5, 1.0, 1.5, 2.0]
LIN_KEYS = ["lin%d.model.1.weight" % l for l in range(5)]
SAMPLE_KEYS = ("features.0.weight", "features.0.bias", "features.14.weight", "features.21.weight",
               "features.28.weight", "features.28.bias")
NON_SQUARE = (56, 80)  # height, width: 56 = 7·8 floors to 3 at relu5_3, so the map's upsampling is not by an integer


def vgg16_features():
    """torchvision's VGG16 features[0:30] (through relu5_3) with the seeded weights, in eval mode."""
    torch.manual_seed(0)
    model = torchvision.models.vgg16(weights=None)
    state = {k: seeded(k, tuple(v.shape), SEED) for k, v in model.state_dict().items() if k.startswith("features.")}
    missing = model.load_state_dict(state, strict=False).missing_keys
    assert all(k.startswith("classifier.") for k in missing), missing
    assert len(state) == 26, sorted(state)
    features = model.features[:30].eval()
    for p in features.parameters():
        p.requires_grad_(False)
    for (a, b), name in zip(SLICES, LAYERS):
        assert isinstance(features[b - 1], torch.nn.ReLU) and isinstance(features[b - 2], torch.nn.Conv2d), name
    return features


def lin_weights():
    rng = np.random.default_rng(LIN_SEED)
    return {key: (gain * rng.random(c)).astype(np.float32).reshape(1, c, 1, 1)
            for key, c, gain in zip(LIN_KEYS, CHANNELS, LIN_GAIN)}


def to_tensor(img, dtype):
    """An H×W×3 uint8 image as a 1×3×H×W tensor, pixel / 255 in dtype."""
    return torch.from_numpy(img).permute(2, 0, 1).unsqueeze(0).to(dtype).div(255.0).contiguous()


def load_png(name):
    img = np.array(Image.open(os.path.join(OUT, name)))
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3, (name, img.shape)
    return img


def taps(features, x):
    """lpips' pretrained_networks.vgg16.forward after the ScalingLayer: the five slices' outputs."""
    x = 2 * x - 1  # normalize=True
    x = (x - torch.tensor(SHIFT, dtype=x.dtype).view(1, 3, 1, 1)) / torch.tensor(SCALE, dtype=x.dtype).view(1, 3, 1, 1)
    out = []
    for a, b in SLICES:
        x = features[a:b](x)
        out.append(x)
    return out


def normalize_tensor(f):
    return f / (torch.sqrt(torch.sum(f ** 2, dim=1, keepdim=True)) + NORM_EPS)


def lpips(features, lins, img0, img1, dtype):
    """LPIPS v0.1 of two uint8 images: the total, each layer's spatial average, the spatial map (spatial=True) and
    each layer's upsampled map's mean, all as Python floats of dtype's values."""
    x0, x1 = to_tensor(img0, dtype), to_tensor(img1, dtype)
    h, w = x0.shape[2:]
    with torch.no_grad():
        t0, t1 = taps(features, x0), taps(features, x1)
        maps = [torch.nn.functional.conv2d((normalize_tensor(a) - normalize_tensor(b)) ** 2, lin)
                for a, b, lin in zip(t0, t1, lins)]
        res = [m.mean([2, 3], keepdim=True) for m in maps]
        val = res[0]
        for r in res[1:]:
            val = val + r
        up = [torch.nn.Upsample(size=(h, w), mode="bilinear", align_corners=False)(m) for m in maps]
        spatial = up[0]
        for u in up[1:]:
            spatial = spatial + u
    return {"total": float(val), "layers": {k: float(r) for k, r in zip(LAYERS, res)}, "map": spatial[0, 0],
            "layerMapMeans": {k: float(u.mean()) for k, u in zip(LAYERS, up)},
            "tapShapes": {k: list(t.shape[1:]) for k, t in zip(LAYERS, t0)}}


def relative(a, b):
    return abs(a - b) / abs(b) if b else abs(a - b)


def pair_images(rng, h, w):
    """A noisy colour gradient, and the same gradient with fresh noise, a slight tint and a noisy checker patch in
    its upper right (away from the centre, so a transposed or flipped map shows)."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x / w, y / h, (x + y) / (w + h)], axis=-1) * 200 + 20
    a = base + rng.normal(0, 15, (h, w, 3))
    b = base * np.array([1.0, 0.93, 1.06]) + rng.normal(0, 15, (h, w, 3))
    patch = (y >= h // 8) & (y < h // 2) & (x >= w // 2) & (x < w - 4)
    checker = (((x // 4) + (y // 4)) % 2)[..., None] * np.array([170, 40, 110]) + 40
    b = np.where(patch[..., None], checker + rng.normal(0, 20, (h, w, 3)), b)
    return [np.clip(v, 0, 255).round().astype(np.uint8) for v in (a, b)]


def shares(values):
    total = sum(values.values())
    return {k: v / total for k, v in values.items()}


def lin_samples(lins):
    """Four values per layer, the last included, and each layer's sum, for the Java side's check of what it read."""
    out = {}
    for key, v in lins.items():
        flat = v.reshape(-1)
        n = flat.size
        out[key] = {"sum": float(flat.astype(np.float64).sum()),
                    "samples": [[i, float(flat[i])] for i in sorted({0, n // 3, (2 * n) // 3, n - 1})]}
    return out


def main():
    began = time.time()
    torch.set_num_threads(1)
    features32 = vgg16_features()
    features64 = copy.deepcopy(features32).double()
    lin = lin_weights()
    np.savez(os.path.join(OUT, "lpips-lin.npz"), **lin)
    with np.load(os.path.join(OUT, "lpips-lin.npz")) as saved:
        assert sorted(saved.files) == sorted(LIN_KEYS)
        assert all(saved[k].dtype == np.float32 and np.array_equal(saved[k], lin[k]) for k in LIN_KEYS)
    lins32 = [torch.from_numpy(lin[k]) for k in LIN_KEYS]
    lins64 = [t.double() for t in lins32]

    a, b = pair_images(np.random.default_rng(20261202), *NON_SQUARE)
    Image.fromarray(a).save(os.path.join(OUT, "lpips-a.png"))
    Image.fromarray(b).save(os.path.join(OUT, "lpips-b.png"))
    assert np.array_equal(load_png("lpips-a.png"), a) and np.array_equal(load_png("lpips-b.png"), b)

    result = {
        "generator": "torch %s, torchvision %s, numpy %s" % (torch.__version__, torchvision.__version__, np.__version__),
        "metric": "LPIPS v0.1 (richzhang/PerceptualSimilarity lpips package), net='vgg', lpips=True, normalize=True; "
                  "computed by make_lpips_fixtures.py, not the package",
        "weights": {"scheme": "seeded He-uniform (splitmix64), see make_engine_fixtures.py", "seed": SEED,
                    "network": "torchvision vgg16 features[0:30]", "samples": weight_samples(features32, SAMPLE_KEYS)},
        "lin": {"file": "lpips-lin.npz", "keys": LIN_KEYS, "channels": CHANNELS, "dtype": "float32", "shape": "[1, C, 1, 1]",
                "scheme": "gain[l] * u, u = numpy.random.default_rng(seed).random(C), layer after layer",
                "seed": LIN_SEED, "gain": LIN_GAIN, "check": lin_samples(lin)},
        "input": "8-bit RGB, pixel / 255 (float32), then 2x - 1",
        "scaling": {"shift": SHIFT, "scale": SCALE},
        "normEpsilon": NORM_EPS,
        "taps": {k: {"slice": list(s), "reluIndex": s[1] - 1, "channels": c} for k, s, c in zip(LAYERS, SLICES, CHANNELS)},
        "spatialAverage": "mean over H, W of each layer's 1x1-conv map; total = sum over layers in order",
        "upsample": "torch.nn.Upsample(size=(H, W), mode='bilinear', align_corners=False) per layer, summed in order",
        "cases": {},
    }

    specs = [("reference-candidate", "reference.png", "candidate.png", False),
             ("non-square", "lpips-a.png", "lpips-b.png", True)]
    print("taps (features indices): %s" % "  ".join("%s=[%d:%d]" % (k, *s) for k, s in zip(LAYERS, SLICES)))
    for name, f0, f1, with_map in specs:
        img0, img1 = load_png(f0), load_png(f1)
        r32 = lpips(features32, lins32, img0, img1, torch.float32)
        r64 = lpips(features64, lins64, img0, img1, torch.float64)
        h, w = img0.shape[:2]
        layer_diff = {k: relative(r32["layers"][k], r64["layers"][k]) for k in LAYERS}
        map_mean = float(r32["map"].double().mean())
        case = {"images": [f0, f1], "height": h, "width": w, "tapShapes": r32["tapShapes"],
                "total": r32["total"], "layers": r32["layers"], "shares": shares(r32["layers"]),
                "float64": {"total": r64["total"], "layers": r64["layers"], "spatialMean": float(r64["map"].mean())},
                "float32VsFloat64": {"total": relative(r32["total"], r64["total"]), "layersMax": max(layer_diff.values())},
                # upsampling by an integer factor keeps a layer's mean (bar rounding); relu5_3's 3 → 56 does not
                "spatialMean": map_mean, "spatialMeanVsTotal": relative(map_mean, r32["total"]),
                "spatialLayerMeans": r32["layerMapMeans"]}
        if with_map:
            map64 = r64["map"]
            case["spatial"] = {"height": h, "width": w, "order": "row-major (y * width + x)",
                               "map": [float(v) for v in r32["map"].reshape(-1).tolist()],
                               "float32VsFloat64MaxRelativeToMax":
                                   float((r32["map"].double() - map64).abs().max() / map64.abs().max())}
        result["cases"][name] = case
        print("%s (%d×%d): total %.6g (float64 %.10g, relative %.1e; layers up to %.1e)"
              % (name, h, w, case["total"], r64["total"], case["float32VsFloat64"]["total"], case["float32VsFloat64"]["layersMax"]))
        print("  layers: %s" % "  ".join("%s %.4g (%.1f %%)" % (k, case["layers"][k], 100 * case["shares"][k]) for k in LAYERS))
        print("  tap shapes: %s" % "  ".join("%s %s" % (k, "×".join(map(str, s))) for k, s in case["tapShapes"].items()))
        print("  spatial map mean %.6g, relative to the total %.2e%s" % (
            map_mean, case["spatialMeanVsTotal"],
            "; map float32 vs float64 %.1e of its max" % case["spatial"]["float32VsFloat64MaxRelativeToMax"] if with_map else ""))
        assert min(case["shares"].values()) >= 0.05, case["shares"]
        assert case["float32VsFloat64"]["total"] <= 1e-4

    img = load_png("reference.png")
    same = lpips(features32, lins32, img, img, torch.float32)
    assert same["total"] == 0.0 and all(v == 0.0 for v in same["layers"].values()) and bool((same["map"] == 0).all())
    result["cases"]["identical"] = {"images": ["reference.png", "reference.png"], "total": 0.0,
                                    "layers": {k: 0.0 for k in LAYERS}, "spatialMax": float(same["map"].abs().max())}
    print("identical: total %r" % same["total"])

    with open(os.path.join(OUT, "lpips.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print("wrote lpips.json, lpips-lin.npz, lpips-a.png, lpips-b.png in %.1f s" % (time.time() - began))


if __name__ == "__main__":
    main()
