#!/usr/bin/env python3
"""Train a small CNN on Fashion-MNIST in PyTorch and export it for aimc.

    python3 Examples/import/export_pytorch.py [OUT_DIR]        # default results/imported
    aimc run Experiments/fashion-cnn-imported.yaml

Writes OUT_DIR/lenet.safetensors (if the `safetensors` package is installed) and
OUT_DIR/lenet.npz: the model's state_dict, whose names match Examples/import/lenet.yaml.
Needs torch and torchvision; export_numpy.py writes the same files without them.
"""
import os
import sys

import numpy as np
try:
    import torch
except ModuleNotFoundError:
    raise SystemExit("export_pytorch.py needs PyTorch (pip install torch); without it, "
                     "Examples/import/export_numpy.py writes the same files with random weights.")
from torch import nn
from torchvision import datasets, transforms


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 5, padding=2), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),   # features.0, .1
            nn.Conv2d(8, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))            # features.4, .5
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(400, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10))  # classifier.1, .4

    def forward(self, x):
        return self.classifier(self.features(x))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "results/imported"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    # aimc feeds pixels scaled to [0, 1] (no mean/std normalisation): train on the same.
    data = datasets.FashionMNIST("data", train=True, download=True, transform=transforms.ToTensor())
    loader = torch.utils.data.DataLoader(data, batch_size=128, shuffle=True)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(3):
        for x, y in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        print(f"epoch {epoch + 1} done")
    model.eval()
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    np.savez(os.path.join(out, "lenet.npz"), **{k: v.numpy() for k, v in state.items()})
    try:
        from safetensors.torch import save_file
        save_file(state, os.path.join(out, "lenet.safetensors"))
    except ImportError:
        print("safetensors not installed: wrote only lenet.npz (set network.weights to it)")
    print(f"wrote {out}/lenet.npz; simulate with: aimc run Experiments/fashion-cnn-imported.yaml")


if __name__ == "__main__":
    main()
