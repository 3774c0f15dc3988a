#!/usr/bin/python3
"""Writes the PyTorch reference fixture for ImageNet classification (POST /v1/classifications).

Run with Debian's interpreter and packages (apt-get install python3-torch python3-torchvision):

    /usr/bin/python3 scripts/reference/make_classifier_fixtures.py

The network is torchvision's whole VGG19, classifier included, with the seeded He-uniform weights of
make_engine_fixtures.py extended to the classifier's linear layers (ReferenceWeights.seeded computes
the same), so the fixture holds only the input images and the expected outputs, not 548 MB of
weights. Each image goes through torchvision's evaluation transform as the service applies it:
Resize(256, antialias=True) on the float tensor (checked here against torchvision's own transforms),
rounded to 8 bits, CenterCrop(224), ImageNet normalisation. It writes
src/test/resources/reference/classifier.json and the images classifier-*.png. CI never runs this.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_engine_fixtures import SEED, splitmix64  # noqa: E402
from make_fixtures import MEAN, OUT, STD  # noqa: E402

# the last layer's weights are scaled up so the softmax is neither uniform nor one-hot
LOGIT_GAIN = float(os.environ.get("LOGIT_GAIN", "4.0"))
CHUNK = 1 << 23


def seeded(key, shape, seed=SEED):
    """make_engine_fixtures.seeded, extended: classifier.L takes stream layer 100 + L; must match ReferenceWeights.seeded."""
    prefix, index, name = key.split(".")
    layer = int(index) + (100 if prefix == "classifier" else 0)
    kind = 0 if name == "weight" and len(shape) in (2, 4) else 1 if name == "bias" else None
    if kind is None:
        raise ValueError(key)
    n = int(np.prod(shape))
    stream = (seed * 1000003 + layer * 16 + kind) % 2 ** 64
    base = np.uint64((stream << 32) % 2 ** 64)
    out = np.empty(n, dtype=np.float32)
    std = math.sqrt(2.0 / (n / shape[0]))
    gain = LOGIT_GAIN if key == "classifier.6.weight" else 1.0
    for start in range(0, n, CHUNK):
        with np.errstate(over="ignore"):
            z = splitmix64(base + np.arange(start, min(n, start + CHUNK), dtype=np.uint64))
        u = (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
        out[start:start + len(u)] = (u - 0.5) * math.sqrt(12.0) * std * gain if kind == 0 else (u - 0.5) * 0.02
    return torch.from_numpy(out.reshape(shape))


def image(h, w, seed):
    """Smooth colour gradients, stripes and a little noise: compresses well, varied enough to classify."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(x / (9 + seed) + y / 23)
    g = 60 + 150 * (x / w) * (y / h) + 40 * ((x // (12 + seed) + y // 10) % 2)
    b = 200 - 150 * y / h + 30 * np.cos((x - y) / 7)
    v = np.stack([r, g, b], axis=-1) + rng.normal(0, 3, (h, w, 3))
    return np.clip(v, 0, 255).round().astype(np.uint8)


def eval_transform(img):
    """Resize(256) antialiased on the float tensor, rounded to 8 bits, CenterCrop(224), as EvalTransform.java."""
    x = torch.from_numpy(img).permute(2, 0, 1).float()[None]
    h, w = img.shape[:2]
    nh, nw = (int(256 * h / w), 256) if w <= h else (256, int(256 * w / h))
    resized = F.interpolate(x, size=(nh, nw), mode="bilinear", align_corners=False, antialias=True)
    top, left = int(round((nh - 224) / 2.0)), int(round((nw - 224) / 2.0))
    crop = resized[..., top:top + 224, left:left + 224]
    theirs = T.Compose([T.Resize(256, antialias=True), T.CenterCrop(224)])(x)
    assert (crop - theirs).abs().max() < 1e-3, "torchvision's transform differs"
    pil = np.asarray(T.Compose([T.Resize(256), T.CenterCrop(224)])(Image.fromarray(img))).astype(np.float64)
    pil_diff = float(np.abs(pil - crop[0].permute(1, 2, 0).numpy()).max())
    return torch.round(crop).clamp(0, 255) / 255.0, pil_diff


def main():
    torch.manual_seed(0)
    model = torchvision.models.vgg19()
    state = {k: seeded(k, tuple(v.shape)) for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    model.eval()
    cases = []
    for name, (h, w, seed) in {"classifier-256.png": (256, 256, 1), "classifier-400x300.png": (300, 400, 2)}.items():
        img = image(h, w, seed)
        Image.fromarray(img).save(os.path.join(OUT, name), optimize=True)
        crop, pil_diff = eval_transform(img)
        x = (crop - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
        with torch.no_grad():
            f = model.avgpool(model.features(x)).flatten(1)
            fc7 = model.classifier[:5](f)
            logits = model.classifier[5:](fc7)
        p = torch.softmax(logits, dim=1)[0].double()
        top = torch.topk(p, 5)
        fc7 = fc7[0].double()
        cases.append({
            "image": name,
            "cropSum": int((crop * 255).round().to(torch.int64).sum()),
            "pilMaxDifference": pil_diff,
            "logitsStd": float(logits.std()),
            "fc7": {"sum": float(fc7.sum()), "sumSquares": float(fc7.pow(2).sum()),
                    "samples": [[i, float(fc7[i])] for i in range(0, 4096, 512)]},
            "top": [{"index": int(i), "probability": float(v)} for v, i in zip(top.values, top.indices)],
        })
        print(name, cases[-1]["top"], "logits std", cases[-1]["logitsStd"], "PIL differs by", pil_diff)
    with open(os.path.join(OUT, "classifier.json"), "w") as out:
        json.dump({"seed": SEED, "logitGain": LOGIT_GAIN, "cases": cases}, out, indent=1)


if __name__ == "__main__":
    main()
