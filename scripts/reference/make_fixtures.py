#!/usr/bin/python3
"""Writes the PyTorch reference fixtures the Java tests compare against.

Run with Debian's interpreter and packages (apt-get install python3-torch python3-torchvision):

    /usr/bin/python3 scripts/reference/make_fixtures.py

The network is torchvision's own VGG (so key names and layer order are torchvision's), with
weights from a deterministic formula that the Java tests compute too (ReferenceWeights.java), so
the fixture holds only the input images and the expected outputs. CI never runs this script.
"""
import json
import math
import os

import numpy as np
import torch
import torchvision
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "reference")
PHI = 0.6180339887498949
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
STYLE = ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"]
CONTENT = "block4_conv2"


def frac(index, shape):
    """Weyl sequence frac(i·φ + L·0.1234567) over the flat (C-order) elements of a tensor."""
    i = np.arange(int(np.prod(shape)), dtype=np.float64)
    return np.mod(i * PHI + index * 0.1234567, 1.0)


def formula(key, shape):
    """Must match ReferenceWeights.java exactly."""
    index = int(key.split(".")[1])
    name = key.split(".")[2]
    f = frac(index, shape)
    if name == "weight" and len(shape) == 4:
        std = math.sqrt(2.0 / (np.prod(shape) / shape[0]))
        v = (f - 0.5) * math.sqrt(12.0) * std
    elif name == "bias":
        v = (f - 0.5) * 0.02
    elif name == "weight":  # batch-norm scale
        v = 1.0 + (f - 0.5) * 0.2
    elif name == "running_mean":
        v = (f - 0.5) * 0.1
    elif name == "running_var":
        v = 1.0 + f * 0.5
    else:
        raise ValueError(key)
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def tap_names(features):
    """blockB_convC for the ReLU after each convolution, by torchvision index."""
    names, block, conv = {}, 1, 0
    for i, layer in enumerate(features):
        if isinstance(layer, torch.nn.Conv2d):
            conv += 1
        elif isinstance(layer, torch.nn.ReLU):
            names[i] = "block%d_conv%d" % (block, conv)
        elif isinstance(layer, torch.nn.MaxPool2d):
            block, conv = block + 1, 0
    return names


def gram(f):
    c, h, w = f.shape
    m = f.reshape(c, h * w)
    return m @ m.t() / (c * h * w)


def unit(f):
    return f / (f.pow(2).sum(dim=0, keepdim=True).sqrt() + 1e-10)


def make_images(rng, h, w):
    """A smooth gradient with noise and a noisy checker pattern: real-looking 8-bit inputs."""
    y, x = np.mgrid[0:h, 0:w]
    a = np.stack([x / w, y / h, (x + y) / (w + h)], axis=-1) * 200 + rng.normal(0, 20, (h, w, 3))
    b = (((x // 6) + (y // 6)) % 2)[..., None] * np.array([180, 60, 120]) + rng.normal(0, 30, (h, w, 3))
    return [np.clip(v, 0, 255).round().astype(np.uint8) for v in (a, b)]


def case(variant, images, names):
    torch.manual_seed(0)
    model = getattr(torchvision.models, variant)()
    features = model.features.eval()
    state = {k: formula(k, tuple(v.shape)) for k, v in model.state_dict().items()
             if k.startswith("features.") and not k.endswith("num_batches_tracked")}
    missing = model.load_state_dict(state, strict=False).missing_keys
    assert all(not k.startswith("features.") or k.endswith("num_batches_tracked") for k in missing), missing
    taps_by_index = tap_names(features)
    wanted = set(STYLE + [CONTENT])
    x = torch.stack([torch.from_numpy(img).permute(2, 0, 1).float() / 255.0 for img in images])
    x = (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
    taps = {}
    with torch.no_grad():
        for i, layer in enumerate(features):
            x = layer(x)
            name = taps_by_index.get(i)
            if name in wanted:
                taps[name] = x.clone()
            if len(taps) == len(wanted):
                break
    expected_taps = {}
    for name, t in taps.items():
        ref = t[0].double()
        flat = ref.flatten()
        n = flat.numel()
        idx = sorted(set([(k * n) // 16 for k in range(16)] + [int(flat.argmax())]))
        expected_taps[name] = {
            "shape": list(ref.shape),
            "sum": float(flat.sum()),
            "sumSquares": float(flat.pow(2).sum()),
            "samples": [[i, float(flat[i])] for i in idx],
        }
    layers, total = {}, {"content": 0.0, "style": 0.0, "features": 0.0}
    for name in [n for n in taps_by_index.values() if n in wanted]:
        a, b = taps[name][0], taps[name][1]
        entry = {}
        if name == CONTENT:
            entry["content"] = float((a - b).pow(2).mean())
            total["content"] += entry["content"]
        if name in STYLE:
            entry["style"] = float((gram(a) - gram(b)).pow(2).mean())
            entry["features"] = float((unit(a) - unit(b)).pow(2).sum(dim=0).mean())
            total["style"] += entry["style"]
            total["features"] += entry["features"]
        layers[name] = entry
    return {"variant": variant, "images": names, "taps": expected_taps, "distance": dict(total, layers=layers)}


class Objective:
    """API.md's style-transfer loss over the [0, 1] image, as the Java engine computes it."""

    def __init__(self, features, content, style, weights):
        self.features, self.weights = features, weights
        self.names = tap_names(features)
        self.content_target = self.taps(content)[CONTENT][0].detach()
        self.style_targets = {k: gram(v[0]).detach() for k, v in self.taps(style).items() if k in STYLE}

    def taps(self, x):
        x = (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
        out, wanted = {}, set(STYLE + [CONTENT])
        for i, layer in enumerate(self.features):
            x = layer(x)
            if self.names.get(i) in wanted:
                out[self.names[i]] = x
            if len(out) == len(wanted):
                return out

    def __call__(self, x):
        t = self.taps(x)
        content = (t[CONTENT][0] - self.content_target).pow(2).mean()
        style = sum((gram(t[k][0]) - self.style_targets[k]).pow(2).mean() for k in STYLE)
        tv = (x[:, :, 1:, :] - x[:, :, :-1, :]).pow(2).mean() + (x[:, :, :, 1:] - x[:, :, :, :-1]).pow(2).mean()
        cw, sw, tw = self.weights
        total = cw * content + sw * style + tw * tv
        return total, {"total": float(total), "content": float(content), "style": float(style), "tv": float(tv)}


def transfer_case(rng):
    """A 64² content and style, content init: Adam for 50 steps and L-BFGS for 30 evaluations, clamped after each step."""
    torch.manual_seed(0)
    model = torchvision.models.vgg19()
    state = {k: formula(k, tuple(v.shape)) for k, v in model.state_dict().items() if k.startswith("features.")}
    model.load_state_dict(state, strict=False)
    features = model.features.eval()
    for p in features.parameters():
        p.requires_grad_(False)
    content_img, style_img = make_images(rng, 64, 64)
    Image.fromarray(content_img).save(os.path.join(OUT, "transfer-content.png"))
    Image.fromarray(style_img).save(os.path.join(OUT, "transfer-style.png"))
    to_tensor = lambda img: (torch.from_numpy(img).permute(2, 0, 1).float().unsqueeze(0) / 255.0).contiguous()
    content, style = to_tensor(content_img), to_tensor(style_img)
    # Adam's sign-like early steps make a strong content term chaotic (an input perturbation of
    # 1e-7 moves the loss at step 10 by 7 %, in PyTorch alone), so its trajectory is compared with
    # a light content weight; L-BFGS, compared on its final loss, gets a strong one.
    adam_weights, lbfgs_weights = (1.0, 1e5, 1.0), (1e4, 1e5, 1.0)
    objective = Objective(features, content, style, adam_weights)
    result = {"images": ["transfer-content.png", "transfer-style.png"]}

    x = content.clone().requires_grad_(True)
    adam = torch.optim.Adam([x], lr=0.02)
    trajectory = {}
    for step in range(1, 51):
        adam.zero_grad()
        total, losses = objective(x)
        total.backward()
        adam.step()
        with torch.no_grad():
            x.clamp_(0, 1)
        if step in (1, 10, 25, 50):
            trajectory[str(step)] = losses
    with torch.no_grad():
        final = objective(x)[1]
    result["adam"] = {"weights": adam_weights, "learningRate": 0.02, "steps": 50, "lossesAtStep": trajectory, "final": final}

    objective = Objective(features, content, style, lbfgs_weights)

    x = content.clone().requires_grad_(True)
    lbfgs = torch.optim.LBFGS([x], lr=1, max_iter=1, history_size=100, line_search_fn="strong_wolfe")
    evaluations = [0]

    def closure():
        lbfgs.zero_grad()
        total, _ = objective(x)
        total.backward()
        evaluations[0] += 1
        return total

    while evaluations[0] < 30:
        lbfgs.step(closure)
        with torch.no_grad():
            x.clamp_(0, 1)
    with torch.no_grad():
        final = objective(x)[1]
    with torch.no_grad():
        initial = objective(content)[1]
    result["lbfgs"] = {"weights": lbfgs_weights, "evaluations": 30, "evaluationsUsed": evaluations[0], "initial": initial,
                       "final": final}
    return result


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261125)
    images = make_images(rng, 40, 56)
    names = ["reference.png", "candidate.png"]
    for img, name in zip(images, names):
        Image.fromarray(img).save(os.path.join(OUT, name))
    cases = [case(v, images, names) for v in ("vgg19", "vgg11_bn")]
    with open(os.path.join(OUT, "transfer.json"), "w") as f:
        json.dump(transfer_case(rng), f, indent=1)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"generator": "torch %s, torchvision %s" % (torch.__version__, torchvision.__version__),
                   "formula": "frac(i*0.6180339887498949 + index*0.1234567), see make_fixtures.py",
                   "cases": cases}, f, indent=1)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
