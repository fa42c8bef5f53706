#!/usr/bin/env python3
"""Fine-tune, with descent, a model trained and exported by PyTorch, then hand
it back to PyTorch.

1. PyTorch trains a torch.nn.Sequential (3-32-32-1, tanh) on task A and its
   state_dict is written as a safetensors file (a few lines of NumPy below;
   the `safetensors` package writes the same bytes).
2. descent builds the same layers, loads the file (dsc_model_load_weights:
   PyTorch's names `0.weight`, `0.bias`, `2.weight`...), and fine-tunes it on
   task B, a shifted version of A, with Adam and a small learning rate.
3. The fine-tuned weights go back into the torch module (load_state_dict) and
   both frameworks give the same predictions.

    PYTHONPATH=bindings/python DESCENT_LIB=build/libdescent.so.0 \\
        /usr/bin/python3 bindings/python/examples/finetune_from_torch.py

Without PyTorch the file is written from NumPy-initialised weights in the
same layout, and steps 1 and 3 are skipped.
"""

import json
import os
import struct
import sys
import tempfile

import numpy as np

import descent


def task(n, shift, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 3)).astype(np.float32)
    y = (np.sin(3 * x[:, 0] + shift) + x[:, 1] * x[:, 2]).astype(np.float32)[:, None]
    return x, y


def write_safetensors(path, tensors):
    """A state_dict as safetensors: 8-byte header length, JSON header, raw float32 LE."""
    header, blobs, offset = {}, [], 0
    for name, a in tensors.items():
        a = np.ascontiguousarray(a, dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def pretrain_with_torch(x, y):
    import torch
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 32), torch.nn.Tanh(), torch.nn.Linear(32, 32),
                              torch.nn.Tanh(), torch.nn.Linear(32, 1))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(500):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(xt), yt)
        loss.backward()
        opt.step()
    print("PyTorch %s: pretrained on task A, MSE %.4f" % (torch.__version__, loss.item()))
    return net, {k: v.detach().numpy() for k, v in net.state_dict().items()}


def numpy_weights():
    rng = np.random.default_rng(0)
    shapes = {"0.weight": (32, 3), "0.bias": (32,), "2.weight": (32, 32), "2.bias": (32,),
              "4.weight": (1, 32), "4.bias": (1,)}
    return {k: rng.uniform(-0.3, 0.3, size=s).astype(np.float32) for k, s in shapes.items()}


def main():
    xa, ya = task(512, 0.0, seed=1)
    xb, yb = task(512, 0.5, seed=2)
    try:
        import torch  # noqa: F401
    except ImportError:
        net = None
        print("torch is not importable here: the file is written from NumPy weights instead")
        state = numpy_weights()
    else:
        net, state = pretrain_with_torch(xa, ya)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "pretrained.safetensors")
        write_safetensors(path, state)

        model = descent.Sequential(descent.Linear(3, 32), descent.Tanh(), descent.Linear(32, 32),
                                   descent.Tanh(), descent.Linear(32, 1))
        model.build(64)
        model.load_weights(path)   # strict: every name and shape must match
        loss = descent.MSELoss()
        data = descent.Dataset(xb, targets=yb)
        before = descent.evaluate(model, loss, data)[0]
        if net is not None:
            import torch
            with torch.no_grad():
                same = np.allclose(net(torch.from_numpy(xb)).numpy(), model.predict(xb),
                                   rtol=1e-5, atol=1e-6)
            print("loaded into descent: predictions equal PyTorch's: %s" % ("yes" if same else "NO"))
            if not same:
                return 1

        opt = descent.Adam(model.parameters(), lr=0.003)
        trainer = descent.Trainer(model, loss, opt, data, batch_size=32, seed=4)
        trainer.fit(epochs=40)
        after = descent.evaluate(model, loss, data)[0]
        print("task B MSE: before fine-tuning %.4f, after %.4f" % (before, after))

        if net is not None:
            import torch
            net.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in
                                 model.state_dict().items()})
            with torch.no_grad():
                same = np.allclose(net(torch.from_numpy(xb)).numpy(), model.predict(xb),
                                   rtol=1e-5, atol=1e-6)
            print("back in PyTorch: predictions equal descent's: %s" % ("yes" if same else "NO"))
            if not same:
                return 1
    return 0 if after < before / 2 else 1


if __name__ == "__main__":
    sys.exit(main())
