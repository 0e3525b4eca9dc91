#!/usr/bin/env python3
"""Compares lep's logits with HF transformers on the dirs written by
`dotnet run -c Release --project bench/Lep.Bench -- transformers-fixtures DIR`.
Usage: python3 tools/transformers_check.py DIR   (needs torch, transformers, safetensors)
Real dirs (`transformers-fixtures DIR NAME=MODEL_DIR ...`) also have their tokenizer checked against lep's ids."""
import json, os, sys
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoTokenizer

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
    row = {"model": name, "arch": model.config.architectures[0], "max_rel_error_per_position": rel,
           "max_abs_diff": (ours["logits"] - ref).abs().max().item()}
    text_path = os.path.join(d, "lep_text.json")
    if os.path.exists(text_path):  # a real dir: its tokenizer files must give our ids in HF tokenizers
        sample = json.load(open(text_path, encoding="utf-8"))
        tok = AutoTokenizer.from_pretrained(d)
        theirs = [tok(t)["input_ids"] for t in sample["texts"]]
        row["tokenizer_ids_equal"] = theirs == sample["ids"]
        if not row["tokenizer_ids_equal"]:
            worst = float("inf")
            row["hf_ids"] = theirs
    print(json.dumps(row, ensure_ascii=False))
print(json.dumps({"worst": worst, "pass": worst <= 1e-4}))
sys.exit(0 if worst <= 1e-4 else 1)
