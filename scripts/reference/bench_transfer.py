#!/usr/bin/python3
"""The PyTorch side of Pastiche's transfer benchmark: Gatys steps (forward to block5_conv1, Gram
style + content + TV, backward to the image, Adam update, clamp) on a size² image.

    /usr/bin/python3 scripts/reference/bench_transfer.py SIZE STEPS THREADS

Prints one JSON line: median ms per step after 3 warm-up steps, and the process's peak RSS.
"""
import json
import resource
import sys
import time

import torch
import torchvision

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
STYLE = [1, 6, 11, 20, 29]  # ReLU indices of block1..5_conv1
CONTENT = 22  # ReLU of block4_conv2


def taps(features, x):
    out = {}
    x = (x - MEAN) / STD
    for i, layer in enumerate(features):
        x = layer(x)
        if i in STYLE or i == CONTENT:
            out[i] = x
        if i == max(STYLE):
            return out


def gram(f):
    _, c, h, w = f.shape
    m = f.reshape(c, h * w)
    return m @ m.t() / (c * h * w)


def main():
    size, steps, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    features = torchvision.models.vgg19().features[:30].eval()
    for p in features.parameters():
        p.requires_grad_(False)
    content = torch.rand(1, 3, size, size)
    style = torch.rand(1, 3, size, size)
    with torch.no_grad():
        content_target = taps(features, content)[CONTENT]
        style_targets = {i: gram(t) for i, t in taps(features, style).items() if i in STYLE}
    x = content.clone().requires_grad_(True)
    adam = torch.optim.Adam([x], lr=0.02)
    times = []
    for step in range(steps + 3):
        start = time.perf_counter()
        adam.zero_grad()
        t = taps(features, x)
        loss = (t[CONTENT] - content_target).pow(2).mean() \
            + 1e6 * sum((gram(t[i]) - style_targets[i]).pow(2).mean() for i in STYLE) \
            + ((x[:, :, 1:] - x[:, :, :-1]).pow(2).mean() + (x[:, :, :, 1:] - x[:, :, :, :-1]).pow(2).mean())
        loss.backward()
        adam.step()
        with torch.no_grad():
            x.clamp_(0, 1)
        if step >= 3:
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(json.dumps({"size": size, "msPerStep": times[len(times) // 2],
                      "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
