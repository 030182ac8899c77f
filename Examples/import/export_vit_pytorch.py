#!/usr/bin/env python3
"""Train a small vision transformer (or its mixture-of-experts variant) on Fashion-MNIST in
PyTorch and export it for aimc.

    python3 Examples/import/export_vit_pytorch.py [OUT_DIR] [--moe]    # default results/imported

Writes OUT_DIR/vit.safetensors (or vit-moe.safetensors; needs the `safetensors` package) and
OUT_DIR/vit.npz (vit-moe.npz): the model's state_dict, whose names follow timm's
VisionTransformer (patch_embed.proj, cls_token, pos_embed, blocks.<i>.norm1 / attn.qkv /
attn.proj / norm2 / mlp.fc1 / mlp.fc2, norm, head) and match Examples/import/vit.yaml and
vit-moe.yaml, where block 1's MLP is blocks.1.moe (router, experts.<e>.fc1 / fc2).
Needs torch and torchvision; export_vit_numpy.py writes the same files with random weights.
"""
import os
import sys

import numpy as np
try:
    import torch
except ModuleNotFoundError:
    raise SystemExit("export_vit_pytorch.py needs PyTorch (pip install torch); without it, "
                     "Examples/import/export_vit_numpy.py writes the same files with random weights.")
from torch import nn
from torchvision import datasets, transforms

DIM, HEADS, HIDDEN, DEPTH, CLASSES, PATCH, EPS = 64, 4, 128, 2, 10, 7, 1e-6
EXPERTS, TOP_K, NORMALIZE_TOP_K, MOE_BLOCKS, BALANCE_LOSS = 4, 2, False, (1,), 0.01


class Attention(nn.Module):
    """timm Attention: qkv = Linear(D, 3D) split as [3, heads, head dim], softmax(q·kᵀ/√hd)·v, proj."""
    def __init__(self):
        super().__init__()
        self.qkv, self.proj = nn.Linear(DIM, 3 * DIM), nn.Linear(DIM, DIM)

    def forward(self, x):
        B, T, D = x.shape
        q, k, v = self.qkv(x).reshape(B, T, 3, HEADS, D // HEADS).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-2, -1) * (D // HEADS) ** -0.5).softmax(dim=-1)
        return self.proj((a @ v).transpose(1, 2).reshape(B, T, D))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(DIM, HIDDEN), nn.GELU(), nn.Linear(HIDDEN, DIM)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class MoE(nn.Module):
    """Top-k mixture of experts (aimc's `moe` layer): p = softmax(router(x)); the top_k experts
    by p (torch.topk; aimc breaks exact ties towards the lower index); gate p_e (÷ Σ selected
    when NORMALIZE_TOP_K); y = Σ gate·expert(x). `aux` is the Switch Transformer balance loss
    E·Σ_e f_e·P_e of the last forward pass."""
    def __init__(self):
        super().__init__()
        self.router = nn.Linear(DIM, EXPERTS)
        self.experts = nn.ModuleList(Mlp() for _ in range(EXPERTS))
        self.aux = torch.zeros(())

    def forward(self, x):
        shape, x = x.shape, x.reshape(-1, DIM)
        p = self.router(x).softmax(dim=-1)
        gate, idx = p.topk(TOP_K, dim=-1)
        if NORMALIZE_TOP_K:
            gate = gate / gate.sum(dim=-1, keepdim=True)
        y = torch.zeros_like(x)
        for e, expert in enumerate(self.experts):
            rows, slot = (idx == e).nonzero(as_tuple=True)
            if rows.numel():
                y.index_add_(0, rows, gate[rows, slot].unsqueeze(1) * expert(x[rows]))
        f = torch.bincount(idx.flatten(), minlength=EXPERTS).float() / idx.numel()
        self.aux = EXPERTS * (f * p.mean(dim=0)).sum()
        return y.reshape(shape)


class Block(nn.Module):
    """timm pre-norm Block: x + attn(norm1(x)), then x + mlp(norm2(x)) (or moe)."""
    def __init__(self, moe):
        super().__init__()
        self.norm1, self.attn, self.norm2 = nn.LayerNorm(DIM, eps=EPS), Attention(), nn.LayerNorm(DIM, eps=EPS)
        if moe:
            self.moe = MoE()
        else:
            self.mlp = Mlp()

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + (self.moe if hasattr(self, "moe") else self.mlp)(self.norm2(x))


class ViT(nn.Module):
    def __init__(self, moe):
        super().__init__()
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(1, DIM, PATCH, stride=PATCH)
        tokens = (28 // PATCH) ** 2 + 1
        self.cls_token = nn.Parameter(torch.zeros(1, 1, DIM))
        self.pos_embed = nn.Parameter(torch.randn(1, tokens, DIM) * 0.02)
        self.blocks = nn.Sequential(*(Block(moe and i in MOE_BLOCKS) for i in range(DEPTH)))
        self.norm, self.head = nn.LayerNorm(DIM, eps=EPS), nn.Linear(DIM, CLASSES)

    def forward(self, x):
        x = self.patch_embed.proj(x).flatten(2).transpose(1, 2)                  # tokens [B, 16, D]
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        return self.head(self.norm(self.blocks(x))[:, 0])                      # cls pooling

    def balance_loss(self):
        return sum((b.moe.aux for b in self.blocks if hasattr(b, "moe")), torch.zeros(()))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out, moe = (args[0] if args else "results/imported"), "--moe" in sys.argv
    name = "vit-moe" if moe else "vit"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    # aimc feeds pixels scaled to [0, 1] (no mean/std normalisation): train on the same.
    data = datasets.FashionMNIST("data", train=True, download=True, transform=transforms.ToTensor())
    loader = torch.utils.data.DataLoader(data, batch_size=128, shuffle=True)
    model = ViT(moe)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    for epoch in range(5):
        for x, y in loader:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y) + BALANCE_LOSS * model.balance_loss()
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1} done, last batch loss {loss.item():.3f}")
    model.eval()
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    np.savez(os.path.join(out, name + ".npz"), **{k: v.numpy() for k, v in state.items()})
    try:
        from safetensors.torch import save_file
        save_file(state, os.path.join(out, name + ".safetensors"))
    except ImportError:
        print(f"safetensors not installed: wrote only {name}.npz (set network.weights to it)")
    print(f"wrote {out}/{name}.npz; its architecture is Examples/import/{name}.yaml")


if __name__ == "__main__":
    main()
