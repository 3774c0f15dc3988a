#!/usr/bin/python3
"""Single-scale against multi-scale Gatys runs to the same loss, in PyTorch, with different iteration
schedules for the lower stages: the evidence for whether multi-scale can halve the time when the
lower stages may run fewer iterations than API.md's one `iterations` for every stage allows.

    python3 scripts/reference/time_to_loss.py [--smoke]

Adam (lr 0.02) and API.md's objective and defaults; content init; stages ×√2 apart ending at SIZE,
each starting from the previous stage's image upsampled, with its own content and style targets.
The single-scale run's final total loss at SIZE is the target; a multi-scale run is timed until its
full-size stage reaches it. Uses pretrained VGG19 weights when torchvision finds them in its cache,
else its seeded initialisation. Prints one JSON line per run.
"""
import json
import socket
import sys
import time

import torch
import torchvision

from bench_gpu import CONTENT, STYLE, Network, gram, synthetic, sync


def targets(net, content, style):
    with torch.no_grad():
        return net.taps(content)[CONTENT], {i: gram(t) for i, t in net.taps(style).items() if i in STYLE}


def loss(net, x, content_target, style_targets):
    t = net.taps(x)
    style = sum((gram(t[i]) - style_targets[i]).pow(2).mean() for i in STYLE)
    return (t[CONTENT] - content_target).pow(2).mean() + 1e6 * style


def stage(net, content, style, x, iterations, stop_below=None):
    """Adam from x; returns the image, the last loss and the evaluations done."""
    content_target, style_targets = targets(net, content, style)
    x = x.clone().requires_grad_(True)
    adam = torch.optim.Adam([x], lr=0.02)
    value = None
    for i in range(iterations):
        adam.zero_grad()
        total = loss(net, x, content_target, style_targets)
        value = total.item()
        if stop_below is not None and value <= stop_below:
            return x.detach(), value, i + 1
        total.backward()
        adam.step()
        with torch.no_grad():
            x.clamp_(0, 1)
    return x.detach(), value, iterations


def resize(image, side):
    return torch.nn.functional.interpolate(image, size=(side, side), mode="bilinear", align_corners=False)


def main():
    smoke = "--smoke" in sys.argv
    device = torch.device("cuda" if torch.cuda.is_available() and not smoke else "cpu")
    size, iterations, scales = (64, 20, 3) if smoke else (512, 500, 4)
    socket.setdefaulttimeout(10)  # machines without network refuse or time out quickly
    try:
        features = torchvision.models.vgg19(weights="IMAGENET1K_V1").features[:30]
        pretrained = True
    except Exception:  # no network and nothing cached: torchvision's seeded initialisation
        torch.manual_seed(0)
        features = torchvision.models.vgg19().features[:30]
        pretrained = False
    features = features.eval()
    for p in features.parameters():
        p.requires_grad_(False)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    net = Network(features, "tf32", device)
    content, style = synthetic(size, 1, device), synthetic(size, 2, device)
    print(json.dumps({"kind": "info", "torch": torch.__version__, "device": str(device), "pretrained": pretrained,
                      "size": size, "iterations": iterations, "scales": scales}), flush=True)
    stage(net, content, style, content, 5)  # warm-up: cuDNN's choices for the full size
    sync(device)
    start = time.perf_counter()
    _, target, _ = stage(net, content, style, content, iterations)
    sync(device)
    single = time.perf_counter() - start
    print(json.dumps({"kind": "single", "seconds": round(single, 3), "finalLoss": target}), flush=True)
    sides = [round(size / 2 ** ((scales - 1 - k) / 2)) for k in range(scales)]
    for name, lower in [("equal (API.md)", iterations), ("lower stages 1/2", iterations // 2),
                        ("lower stages 1/4", iterations // 4), ("lower stages 1/10", iterations // 10)]:
        sync(device)
        start = time.perf_counter()
        x = resize(content, sides[0])
        for side in sides[:-1]:
            x, _, _ = stage(net, resize(content, side), resize(style, side), resize(x, side), lower)
        x, reached, evaluations = stage(net, content, style, resize(x, size), iterations, stop_below=target)
        sync(device)
        seconds = time.perf_counter() - start
        print(json.dumps({"kind": "multi", "schedule": name, "sides": sides, "lowerIterations": lower,
                          "fullSizeEvaluations": evaluations, "reached": reached <= target, "finalLoss": reached,
                          "seconds": round(seconds, 3), "ratio": round(seconds / single, 3)}), flush=True)


if __name__ == "__main__":
    main()
