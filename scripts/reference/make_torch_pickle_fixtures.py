#!/usr/bin/python3
"""Writes torch.save files in both of PyTorch's formats, and what they hold, for TorchPickleFileTests.

Run with Debian's interpreter and packages (apt-get install python3-torch):

    /usr/bin/python3 scripts/reference/make_torch_pickle_fixtures.py

torchvision's vgg16-397923af.pth and the lpips package's weights/v0.1/vgg.pth are legacy files (from
before PyTorch 1.6); files saved today are zip archives. Each file holds a float tensor shaped like an
LPIPS linear layer, a non-contiguous view, two tensors sharing one storage at different offsets, a
half and a double tensor, and an OrderedDict with _metadata, as a module's state_dict has. The
expected values go in an npz (float32, C order), which the Java side reads independently. It also
writes LpipsReferenceTests' linear layers as a legacy .pth, the lpips package's own format. CI never
runs this script.
"""
import collections
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "torch")


def state():
    g = torch.Generator().manual_seed(7)
    base = torch.randn(6, 5, generator=g)
    shared = torch.randn(40, generator=g)
    d = collections.OrderedDict()
    d["lin0.model.1.weight"] = torch.randn(1, 8, 1, 1, generator=g)
    d["features.0.weight"] = torch.randn(4, 3, 3, 3, generator=g)
    d["transposed"] = base.t()                       # strides (1, 5): not contiguous
    d["shared.a"] = shared[3:13].view(2, 5)          # offset 3 into a shared storage
    d["shared.b"] = shared[20:32]                    # offset 20 into the same storage
    d["half"] = torch.randn(3, 2, generator=g).half()
    d["double"] = torch.randn(2, 2, generator=g).double()
    d._metadata = collections.OrderedDict([("", {"version": 1})])
    return d


def main():
    os.makedirs(OUT, exist_ok=True)
    d = state()
    torch.save(d, os.path.join(OUT, "state-zip.pth"))
    torch.save(d, os.path.join(OUT, "state-legacy.pth"), _use_new_zipfile_serialization=False)
    np.savez(os.path.join(OUT, "state-expected.npz"),
             **{k: np.ascontiguousarray(v.float().numpy()) for k, v in d.items()})
    # LpipsReferenceTests' linear layers (lpips-lin.npz) as the lpips package ships its own: a legacy .pth
    lin = np.load(os.path.join(OUT, "..", "reference", "lpips-lin.npz"))
    torch.save(collections.OrderedDict((k, torch.from_numpy(lin[k])) for k in sorted(lin.files)),
               os.path.join(OUT, "lpips-lin-legacy.pth"), _use_new_zipfile_serialization=False)
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
