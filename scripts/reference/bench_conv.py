#!/usr/bin/python3
"""The PyTorch side of the conv-peak measurement: a 3x3 convolution, 256 -> 256 channels on a
128x128 map (batch 1, padding 1), the shape of VGG's block3 layers.

    /usr/bin/python3 scripts/reference/bench_conv.py RUNS THREADS

Prints one JSON line: the median ms of RUNS runs after 3 warm-up runs, and GFLOP/s.
"""
import json
import sys
import time

import torch

CHANNELS, SIDE = 256, 128


def main():
    runs, threads = int(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.rand(1, CHANNELS, SIDE, SIDE)
    w = torch.randn(CHANNELS, CHANNELS, 3, 3) * 0.01
    b = torch.zeros(CHANNELS)
    times = []
    with torch.no_grad():
        for run in range(runs + 3):
            start = time.perf_counter()
            torch.nn.functional.conv2d(x, w, b, padding=1).sum().item()
            if run >= 3:
                times.append((time.perf_counter() - start) * 1000)
    times.sort()
    ms = times[len(times) // 2]
    gflop = 2.0 * 9 * CHANNELS * CHANNELS * SIDE * SIDE / 1e9
    print(json.dumps({"msPerConv": ms, "gflops": gflop / (ms / 1000), "torch": torch.__version__,
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
