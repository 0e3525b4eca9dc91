#!/usr/bin/env python3
"""Compares lep's logits with HF transformers on the dirs written by
`dotnet run -c Release --project bench/Lep.Bench -- transformers-fixtures DIR`.
Usage: python3 tools/transformers_check.py DIR   (needs torch, transformers, safetensors)"""
import json, os, sys
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

root = sys.argv[1]
worst = 0.0
for name in sorted(os.listdir(root)):
    d = os.path.join(root, name)
    ours = load_file(os.path.join(d, "lep_logits.safetensors"))
    model = AutoModelForCausalLM.from_pretrained(d, torch_dtype=torch.float32, attn_implementation="eager").eval()
    with torch.no_grad():
        ref = model(input_ids=ours["input_ids"]).logits.float()
    rel = ((ours["logits"].double() - ref.double()).norm(dim=-1) / ref.double().norm(dim=-1)).max().item()
    worst = max(worst, rel)
    print(json.dumps({"model": name, "arch": model.config.architectures[0], "max_rel_error_per_position": rel,
                      "max_abs_diff": (ours["logits"] - ref).abs().max().item()}))
print(json.dumps({"worst": worst, "pass": worst <= 1e-4}))
sys.exit(0 if worst <= 1e-4 else 1)
