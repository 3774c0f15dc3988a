#!/usr/bin/python3
"""How many libtorch operators one Gatys Adam step runs, in Pastiche and in PyTorch, counted the
same way from the profiler's trace (docs/performance.md, "Native calls per step"):

    java … dev.pastiche.transfer.StepOpCountMain /tmp/djl-step.json     # Pastiche's step, traced
    /usr/bin/python3 scripts/reference/count_ops.py /tmp/djl-step.json

Counts every aten operator event, and the host calls: operators not nested inside any other
traced event on the same thread (another operator, or an autograd node of the backward pass). A
host call is one call from the host language into libtorch (a JNI call from Java, a dispatch from
Python); everything nested, the whole backward pass included, runs inside libtorch.
The PyTorch step is bench_transfer.py's at 64² (the counts do not depend on the size).
"""
import collections
import json
import sys
import tempfile

import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import bench_transfer  # noqa: E402  (its taps, gram and weights)


def count(trace_file):
    with open(trace_file) as f:
        events = [e for e in json.load(f) if e.get("ph") == "X"]
    top = collections.Counter()
    by_thread = collections.defaultdict(list)
    for e in events:
        by_thread[e["tid"]].append(e)
    for thread in by_thread.values():
        thread.sort(key=lambda e: (e["ts"], -e["dur"]))
        end = -1.0
        for e in thread:
            if e["ts"] >= end:
                if e["name"].startswith("aten::"):
                    top[e["name"]] += 1
                end = e["ts"] + e["dur"]
    aten = sum(1 for e in events if e["name"].startswith("aten::"))
    return aten, sum(top.values()), top


def torch_step(trace_file):
    torch.set_num_threads(2)
    torch.manual_seed(0)
    import torchvision
    features = torchvision.models.vgg19().features[:30].eval()
    for p in features.parameters():
        p.requires_grad_(False)
    content, style = torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        content_target = bench_transfer.taps(features, content)[bench_transfer.CONTENT]
        style_targets = {i: bench_transfer.gram(t) for i, t in bench_transfer.taps(features, style).items() if i in bench_transfer.STYLE}
    x = content.clone().requires_grad_(True)
    adam = torch.optim.Adam([x], lr=0.02)

    def step():
        adam.zero_grad()
        t = bench_transfer.taps(features, x)
        loss = (t[bench_transfer.CONTENT] - content_target).pow(2).mean() \
            + 1e6 * sum((bench_transfer.gram(t[i]) - style_targets[i]).pow(2).mean() for i in bench_transfer.STYLE) \
            + 0 * ((x[:, :, 1:] - x[:, :, :-1]).pow(2).mean() + (x[:, :, :, 1:] - x[:, :, :, :-1]).pow(2).mean())
        loss.backward()
        adam.step()
        with torch.no_grad():
            x.clamp_(0, 1)

    for _ in range(3):
        step()
    with torch.autograd.profiler.profile() as prof:
        step()
    prof.export_chrome_trace(trace_file)


def main():
    rows = [("Pastiche (DJL, Java)", sys.argv[1])]
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        torch_step(f.name)
        rows.append(("PyTorch %s (Python)" % torch.__version__, f.name))
        for name, trace in rows:
            total, top, names = count(trace)
            print(json.dumps({"engine": name, "atenOps": total, "hostCalls": top, "hostCallsByName": dict(names.most_common())}))


if __name__ == "__main__":
    main()
