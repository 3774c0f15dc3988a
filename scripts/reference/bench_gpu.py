#!/usr/bin/python3
"""Pastiche's objective in PyTorch on a GPU: what a step, a scoring call and a convolution cost there,
and whether half precision for the frozen network keeps the losses within 1e-3 relative.

    python3 scripts/reference/bench_gpu.py [--smoke] [PART ...]

PARTS (default all): conv agreement scoring steps djl-defaults graphs.

Runs on CUDA when there is one (--smoke: on the CPU with small sizes, to try the script). Prints one
JSON line per measurement. Precisions of the frozen network (the image and the loss maths stay fp32):
  fp32  strict float32 (TF32 off for convolutions and matrix products)
  tf32  PyTorch's CUDA default for convolutions (TF32 on), matrix products too
  fp16  network weights and activations in float16, taps cast back to float32 for the losses
  bf16  the same in bfloat16
Weights are torchvision's VGG19 initialisation (seeded): no pretrained weights can be fetched on the
machines this runs on. The objective is API.md's with its defaults (content 1, style 1e6, tv 0, Adam
lr 0.02), the images smooth synthetic ones.
"""
import copy
import json
import statistics
import sys
import time

import torch
import torchvision

STYLE = [1, 6, 11, 20, 29]  # ReLU indices of block1..5_conv1
CONTENT = 22  # ReLU of block4_conv2
PRECISIONS = ["fp32", "tf32", "fp16", "bf16"]
DTYPES = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def emit(kind, **fields):
    print(json.dumps({"kind": kind, **fields}), flush=True)


def set_tf32(on):
    torch.backends.cudnn.allow_tf32 = on
    torch.backends.cuda.matmul.allow_tf32 = on


class Network:
    """The frozen VGG19 features up to block5_conv1 in one precision."""

    def __init__(self, features, precision, device):
        self.precision = precision
        self.dtype = DTYPES[precision]
        # A copy: Module.to converts in place, and a round trip through fp16 would lose bits.
        self.features = copy.deepcopy(features).to(device=device, dtype=self.dtype)
        self.mean = torch.tensor([0.485, 0.456, 0.406], device=device).view(1, 3, 1, 1)
        self.std = torch.tensor([0.229, 0.224, 0.225], device=device).view(1, 3, 1, 1)
        self.tf32 = (precision == "tf32", precision == "tf32")  # (convolutions, matrix products)

    def taps(self, image):
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = self.tf32
        x = ((image - self.mean) / self.std).to(self.dtype)
        out = {}
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in STYLE or i == CONTENT:
                out[i] = x.float()
            if i == max(STYLE):
                return out


def gram(f):
    n, c, h, w = f.shape
    m = f.reshape(n, c, h * w)
    return m @ m.transpose(1, 2) / (c * h * w)


def synthetic(size, seed, device):
    """A smooth image with edges: a few sinusoids, a disc and mild noise, in [0, 1]."""
    g = torch.Generator().manual_seed(seed)
    ys, xs = torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")
    channels = []
    for c in range(3):
        f = torch.rand(4, generator=g) * 12 + 1
        p = torch.rand(4, generator=g) * 6.3
        v = sum(torch.sin(f[k] * (xs if k % 2 else ys) + p[k] * (k + 1)) for k in range(4)) / 8 + 0.5
        cx, cy = torch.rand(2, generator=g)
        v = torch.where((xs - cx) ** 2 + (ys - cy) ** 2 < 0.06, 1 - v, v)
        channels.append(v)
    image = torch.stack(channels).unsqueeze(0) + 0.03 * torch.randn(1, 3, size, size, generator=g)
    return image.clamp(0, 1).to(device)


class Objective:
    def __init__(self, net, content, style):
        with torch.no_grad():
            self.content_target = net.taps(content)[CONTENT]
            self.style_targets = {i: gram(t) for i, t in net.taps(style).items() if i in STYLE}
        self.net = net

    def losses(self, x):
        t = self.net.taps(x)
        content = (t[CONTENT] - self.content_target).pow(2).mean()
        style = sum((gram(t[i]) - self.style_targets[i]).pow(2).mean() for i in STYLE)
        return {"content": content, "style": style, "total": content + 1e6 * style}


def adam_step(objective, content):
    """One Gatys evaluation + Adam update + clamp per call, from the content image."""
    x = content.clone().requires_grad_(True)
    adam = torch.optim.Adam([x], lr=0.02)

    def step():
        adam.zero_grad()
        objective.losses(x)["total"].backward()
        adam.step()
        with torch.no_grad():
            x.clamp_(0, 1)

    return step


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def median_ms(fn, runs, warmup, device):
    for _ in range(warmup):
        fn()
    sync(device)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        sync(device)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def conv_peak(device, smoke):
    batch = 1 if smoke else 32
    x32 = torch.rand(batch, 256, 128, 128, device=device)
    w32 = torch.randn(256, 256, 3, 3, device=device) * 0.01
    gflop = 2.0 * 9 * 256 * 256 * 128 * 128 * batch / 1e9
    for precision in PRECISIONS:
        if smoke and precision in ("fp16", "bf16"):
            continue
        set_tf32(precision == "tf32")
        x, w = x32.to(DTYPES[precision]), w32.to(DTYPES[precision])
        if precision in ("fp16", "bf16"):
            x, w = x.to(memory_format=torch.channels_last), w.to(memory_format=torch.channels_last)
        with torch.no_grad():
            ms = median_ms(lambda: torch.nn.functional.conv2d(x, w, padding=1), 5 if smoke else 20, 3, device)
        emit("conv", precision=precision, batch=batch, ms=round(ms, 3), tflops=round(gflop / ms, 2))


def steps(features, device, smoke):
    sizes = [64] if smoke else [256, 512, 1024, 2048]
    for size in sizes:
        content, style = synthetic(size, 1, device), synthetic(size, 2, device)
        for precision in PRECISIONS:
            if smoke and precision in ("fp16", "bf16"):
                continue
            net = Network(features, precision, device)
            step = adam_step(Objective(net, content, style), content)
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats()
            ms = median_ms(step, 3 if smoke else 20, 5, device)
            peak = torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else None
            # A Gatys step at size² costs about 3 forwards (forward + backward to the input).
            emit("step", size=size, precision=precision, ms=round(ms, 3),
                 gpuPeakMb=None if peak is None else round(peak))


def agreement(features, device, smoke):
    """Losses and image gradients of each precision against strict fp32, at images along an fp32
    Adam trajectory (content init) and at a noise image."""
    size = 64 if smoke else 512
    content, style = synthetic(size, 1, device), synthetic(size, 2, device)
    reference = Objective(Network(features, "fp32", device), content, style)
    probes = {"noise": torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(3)).to(device)}
    x = content.clone().requires_grad_(True)
    adam = torch.optim.Adam([x], lr=0.02)
    for step in range(1, 101):
        adam.zero_grad()
        reference.losses(x)["total"].backward()
        adam.step()
        with torch.no_grad():
            x.clamp_(0, 1)
        if step in (1, 10, 100):
            probes["adam%d" % step] = x.detach().clone()

    def evaluate(objective, image):
        image = image.clone().requires_grad_(True)
        losses = objective.losses(image)
        losses["total"].backward()
        return {k: v.item() for k, v in losses.items()}, image.grad.flatten().double()

    for precision in PRECISIONS[1:]:
        if smoke and precision in ("fp16", "bf16"):
            continue
        # Targets computed in the same precision, as a job would.
        objective = Objective(Network(features, precision, device), content, style)
        for name, image in probes.items():
            want, want_grad = evaluate(reference, image)
            got, got_grad = evaluate(objective, image)
            relative = {k: abs(got[k] - want[k]) / abs(want[k]) if want[k] else abs(got[k]) for k in want}
            cosine = torch.nn.functional.cosine_similarity(got_grad, want_grad, dim=0).item()
            emit("agreement", precision=precision, probe=name, size=size, fp32=want, relative=relative,
                 gradCosine=cosine, gradNormRatio=(got_grad.norm() / want_grad.norm()).item())
    # Scoring: the three distances of API.md between two different images, and between an image
    # and a slightly altered copy (the small distances a user compares).
    a, b = synthetic(224, 4, device), synthetic(224, 5, device)
    near = (a + 0.01 * torch.randn(a.shape, generator=torch.Generator().manual_seed(6)).to(device)).clamp(0, 1)
    want = {pair: distances(Network(features, "fp32", device), *imgs) for pair, imgs in
            {"different": (a, b), "near": (a, near)}.items()}
    for precision in PRECISIONS[1:]:
        if smoke and precision in ("fp16", "bf16"):
            continue
        net = Network(features, precision, device)
        for pair, imgs in {"different": (a, b), "near": (a, near)}.items():
            got = distances(net, *imgs)
            emit("distance-agreement", precision=precision, pair=pair, fp32=want[pair],
                 relative={k: abs(got[k] - want[pair][k]) / want[pair][k] for k in got})


def distances(net, a, b):
    with torch.no_grad():
        t = net.taps(torch.cat([a, b]))
        content = (t[CONTENT][0] - t[CONTENT][1]).pow(2).mean().item()
        style = sum((gram(t[i][0:1]) - gram(t[i][1:2])).pow(2).mean() for i in STYLE).item()
        feats = 0.0
        for i in STYLE:
            n = t[i] / (t[i].pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            feats += (n[0] - n[1]).pow(2).sum(0).mean().item()
        return {"content": content, "style": style, "features": feats}


def scoring(features, device, smoke):
    """Perceptual distances of pairs (uint8 images copied to the device, forward, three metrics)."""
    size = 224
    for precision in PRECISIONS:
        if smoke and precision in ("fp16", "bf16"):
            continue
        net = Network(features, precision, device)
        for pairs in ([1] if smoke else [1, 8, 32]):
            host = torch.randint(0, 256, (2 * pairs, 3, size, size), dtype=torch.uint8)
            if device.type == "cuda":
                host = host.pin_memory()

            def score():
                with torch.no_grad():
                    images = host.to(device, non_blocking=True).float() / 255
                    t = net.taps(images)
                    out = []
                    for i in STYLE:
                        g = gram(t[i])
                        out.append((g[0::2] - g[1::2]).pow(2).mean((1, 2)))
                        n = t[i] / (t[i].pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
                        out.append((n[0::2] - n[1::2]).pow(2).sum(1).mean((1, 2)))
                    out.append((t[CONTENT][0::2] - t[CONTENT][1::2]).pow(2).mean((1, 2, 3)))
                    return torch.stack(out).cpu()

            ms = median_ms(score, 3 if smoke else 30, 5, device)
            emit("scoring", precision=precision, size=size, pairs=pairs, ms=round(ms, 3),
                 pairsPerSecond=round(pairs * 1000 / ms, 1))


def djl_defaults(features, device, smoke):
    """What the service gets from libtorch's defaults through DJL: TF32 convolutions, fp32 matrix
    products, cuDNN's heuristics instead of benchmarking (DJL's ai.djl.pytorch.cudnn_benchmark is off
    unless set)."""
    torch.backends.cudnn.benchmark = False
    for size in ([64] if smoke else [256, 512, 1024, 2048]):
        content, style = synthetic(size, 1, device), synthetic(size, 2, device)
        net = Network(features, "fp32", device)
        net.tf32 = (True, False)
        step = adam_step(Objective(net, content, style), content)
        emit("step-djl-defaults", size=size, ms=round(median_ms(step, 3 if smoke else 20, 5, device), 3))
    torch.backends.cudnn.benchmark = device.type == "cuda"


def graphs(features, device, smoke):
    """Forward + backward of a step replayed as one CUDA graph against the same work launched op by
    op: the difference is the per-operation launch cost a step pays in eager mode."""
    if device.type != "cuda":
        return
    for size in [256, 512, 1024]:
        content, style = synthetic(size, 1, device), synthetic(size, 2, device)
        objective = Objective(Network(features, "tf32", device), content, style)
        x = content.clone().requires_grad_(True)

        def work():
            x.grad = None
            objective.losses(x)["total"].backward()

        eager = median_ms(work, 20, 5, device)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                work()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        x.grad = None
        with torch.cuda.graph(graph):
            objective.losses(x)["total"].backward()
        replay = median_ms(graph.replay, 20, 5, device)
        emit("graph", size=size, eagerMs=round(eager, 3), graphMs=round(replay, 3))


PARTS = {"conv": lambda f, d, s: conv_peak(d, s), "agreement": agreement, "scoring": scoring, "steps": steps,
         "djl-defaults": djl_defaults, "graphs": graphs}


def main():
    smoke = "--smoke" in sys.argv
    wanted = [a for a in sys.argv[1:] if not a.startswith("--")] or list(PARTS)
    device = torch.device("cuda" if torch.cuda.is_available() and not smoke else "cpu")
    torch.manual_seed(0)
    features = torchvision.models.vgg19().features[:30].eval()
    for p in features.parameters():
        p.requires_grad_(False)
    info = {"torch": torch.__version__, "device": str(device)}
    if device.type == "cuda":
        info.update(gpu=torch.cuda.get_device_name(), cuda=torch.version.cuda,
                    cudnn=torch.backends.cudnn.version())
        torch.backends.cudnn.benchmark = True
    emit("info", **info)
    for name in wanted:
        start = time.perf_counter()
        try:
            PARTS[name](features, device, smoke)
        except Exception as e:  # one part's failure should not lose the others' numbers
            emit("error", part=name, message=repr(e))
        emit("timing", part=name, seconds=round(time.perf_counter() - start, 1))


if __name__ == "__main__":
    main()
