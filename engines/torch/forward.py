"""The engine's forward pass on given tokens, for checking it against lep's model:

    python3 forward.py MODEL_DIR INPUT.safetensors OUTPUT.safetensors [MODEL_DIR INPUT OUTPUT ...]

INPUT holds "ids" and "positions" ([B, T] integers; position 0 starts a document, attention stays inside one);
OUTPUT gets "logits" [B, T, V] in fp32. Runs on the CPU in fp32."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import llama  # noqa: E402
from safetensors_io import InputError, SafetensorsFile, write_tensors  # noqa: E402


def main(args):
    if len(args) == 0 or len(args) % 3 != 0:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        for i in range(0, len(args), 3):
            model, _ = llama.load(args[i], torch.device("cpu"), torch.float32)
            inputs = SafetensorsFile(args[i + 1])
            with torch.no_grad():
                logits = model(inputs.tensor("ids").long(), inputs.tensor("positions").long())
            write_tensors(args[i + 2], [("logits", logits.contiguous())])
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
