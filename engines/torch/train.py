"""lep's distributed training engine: embedding-only continued pre-training of a Llama-family model, launched by
torchrun (one GPU, one node, many nodes — the same script) and fed by `lep train --engine torchrun`, which writes
job.json, the packed rows (data.safetensors) and the data order. Needs only torch (1.13 or 2.x).

    torchrun --nproc-per-node N train.py RUN/job.json

Rank 0 writes RUN/metrics.jsonl, checkpoints (RUN/checkpoint, resumed exactly by running the same command again)
and, at the end, the trained model as an HF dir in RUN/output. Every rank logs to RUN/logs/rank<R>.log.
Exit codes: 0 done, 2 bad input (one line on stderr; path and problem in RUN/error.txt), 1 a crash (traceback in the rank's log).
"""
import json
import os
import shutil
import signal
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import llama  # noqa: E402
from optim import AdamW, learning_rate  # noqa: E402
from safetensors_io import InputError, SafetensorsFile, nbytes, write, write_tensors  # noqa: E402

IGNORE = -100
JOB_FORMAT = "lep-torch-job/1"


class Run:
    def __init__(self, job_path):
        with open(job_path, encoding="utf-8") as f:
            self.job = json.load(f)
        if self.job.get("format") != JOB_FORMAT:
            raise InputError(job_path, f"not a {JOB_FORMAT} job (format {self.job.get('format')!r})")
        self.o = self.job["options"]
        self.dir = self.job["run_dir"]
        self.rank = int(os.environ.get("RANK", "0"))
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        os.makedirs(os.path.join(self.dir, "logs"), exist_ok=True)
        self.log_path = os.path.join(self.dir, "logs", f"rank{self.rank}.log")
        self.log_file = open(self.log_path, "a", encoding="utf-8")

    def log(self, line):
        self.log_file.write(f"{time.strftime('%H:%M:%S')} {line}\n")
        self.log_file.flush()

    def path(self, *parts):
        return os.path.join(self.dir, *parts)


def pick_device(run):
    wanted = run.job.get("device", "auto").split(":")[0]  # cuda:N: every rank still takes the GPU of its local rank
    if wanted == "cuda" and not torch.cuda.is_available():
        raise InputError("--device", "cuda was asked for but torch sees no GPU")
    if wanted in ("auto", "cuda") and torch.cuda.is_available():
        torch.cuda.set_device(run.local_rank)
        return torch.device("cuda", run.local_rank)
    return torch.device("cpu")


class Rows:
    """Packed rows of one split in data.safetensors: tokens, positions (0 starts a document) and targets, int32 [R, T]."""

    def __init__(self, data, split):
        self.data, self.split = data, split
        self.count = data.infos[f"{split}.tokens"][1][0] if f"{split}.tokens" in data.infos else 0

    def get(self, field, rows):
        return torch.stack([self.data.tensor(f"{self.split}.{field}", rows=(r, r + 1))[0] for r in rows]).long()

    def target_count(self, rows):
        return int(sum((self.data.tensor(f"{self.split}.targets", rows=(r, r + 1)) != IGNORE).sum().item() for r in rows))


def loss_sum(model, rows, mine, device):
    """Summed next-token cross-entropy of this rank's rows (targets -100 ignored)."""
    ids = rows.get("tokens", mine).to(device)
    positions = rows.get("positions", mine).to(device)
    targets = rows.get("targets", mine).to(device)
    logits = model(ids, positions)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE, reduction="sum")


def all_sum(values, device):
    t = torch.tensor(values, dtype=torch.float64, device=device)
    if dist.is_initialized():
        dist.all_reduce(t)
    return t.tolist()


def validation_loss(run, model, rows, device):
    """Mean over up to eval_batches batches of each batch's mean token loss (lep's definition); rows shared by rank."""
    b, total, batches = run.o["batch_size"], 0.0, 0
    with torch.no_grad():
        for s in range(0, rows.count, b):
            if batches >= run.o["eval_batches"]:
                break
            batch = list(range(s, min(s + b, rows.count)))
            mine = batch[run.rank::run.world]
            local = loss_sum(model, rows, mine, device).item() if mine else 0.0
            (summed,) = all_sum([local], device)
            total += summed / max(1, rows.target_count(batch))
            batches += 1
    return total / max(1, batches)


def row_mask(o, vocab, device):
    if o.get("train_row_ids") is not None:
        mask = torch.zeros(vocab, dtype=torch.bool, device=device)
        mask[torch.tensor(o["train_row_ids"], dtype=torch.long, device=device)] = True
        return mask
    if o.get("train_rows_from") is not None:
        return torch.arange(vocab, device=device) >= o["train_rows_from"]
    return None


def save_checkpoint(run, params, optimizer, state):
    """params.safetensors, optimizer.safetensors, state.json — built beside RUN/checkpoint and swapped in."""
    final, staging = run.path("checkpoint"), run.path(".checkpoint.staging")
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    write_tensors(os.path.join(staging, "params.safetensors"), [(n, p.detach()) for n, p in params])
    write_tensors(os.path.join(staging, "optimizer.safetensors"), optimizer.state())
    with open(os.path.join(staging, "state.json"), "w", encoding="utf-8") as f:
        json.dump(state, f)
    swap_in(staging, final)


def swap_in(staging, final):
    old = final + ".old"
    shutil.rmtree(old, ignore_errors=True)
    if os.path.exists(final):
        os.rename(final, old)
    os.rename(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def load_checkpoint(run, params, optimizer, device):
    path = run.path("checkpoint", "state.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        state = json.load(f)
    if state.get("OptionsFingerprint") != run.job["fingerprint"]:
        raise InputError(path, "the checkpoint was written by a run with other options or data; delete it or use the same settings to resume")
    saved = SafetensorsFile(run.path("checkpoint", "params.safetensors"))
    with torch.no_grad():
        for name, p in params:
            p.copy_(saved.tensor(name).to(device))
    moments = SafetensorsFile(run.path("checkpoint", "optimizer.safetensors"))
    optimizer.load({n: moments.tensor(n).to(device) for n in moments.names()}, state["Step"])
    return state


def drop_metrics_after(path, step):
    """A killed run logged steps past its last checkpoint; they are run again, so their old lines go."""
    if not os.path.exists(path):
        return
    kept = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                if json.loads(line)["step"] <= step:
                    kept.append(line if line.endswith("\n") else line + "\n")
            except (ValueError, KeyError, TypeError):
                pass
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(kept)


def hf_order(names, config):
    """lep's tensor order (embedding, layers in registration order, final norm, head), so shards split alike."""
    per_layer = ["input_layernorm.weight"]
    for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
        per_layer += [f"self_attn.{proj}.weight", f"self_attn.{proj}.bias"]
    per_layer.append("post_attention_layernorm.weight")
    for proj in ("gate_proj", "up_proj", "down_proj"):
        per_layer += [f"mlp.{proj}.weight", f"mlp.{proj}.bias"]
    order = [llama.EMBED] + [f"model.layers.{i}.{n}" for i in range(config.layers) for n in per_layer] + ["model.norm.weight", llama.HEAD]
    return [n for n in order if n in names]


def write_output(run, model, weights):
    """The trained model as an HF dir (weights in the storage dtype, config.json, the companion files, metrics.jsonl),
    built in RUN/.output.staging and renamed to RUN/output."""
    storage = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}[run.job["storage"]]
    staging, final = run.path(".output.staging"), run.path("output")
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    trained = dict(model.trainable())
    names = hf_order(set(llama.expected_shapes(model.config)), model.config)

    def produce(name):
        source = trained[name].detach() if name in trained else weights.tensor(name)
        return source.to("cpu").float().to(storage)

    entries = [(n, storage, llama.expected_shapes(model.config)[n], (lambda n=n: produce(n))) for n in names]
    shards, size = [], 0
    for e in entries:
        n = nbytes(e[1], e[2])
        if not shards or (size > 0 and size + n > run.job["max_shard_bytes"]):
            shards.append([])
            size = 0
        shards[-1].append(e)
        size += n
    if len(shards) == 1:
        write(os.path.join(staging, "model.safetensors"), shards[0])
    else:
        weight_map = {}
        for i, shard in enumerate(shards):
            file = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
            write(os.path.join(staging, file), shard)
            weight_map.update({e[0]: file for e in shard})
        index = {"metadata": {"total_size": sum(nbytes(e[1], e[2]) for e in entries)}, "weight_map": weight_map}
        with open(os.path.join(staging, "model.safetensors.index.json"), "w", encoding="utf-8") as f:
            json.dump(index, f, indent=2)
    config = dict(model.config.json)
    config["torch_dtype"] = {"bf16": "bfloat16", "f16": "float16", "f32": "float32"}[run.job["storage"]]
    with open(os.path.join(staging, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
    for name in run.job.get("companion_files", []):
        source = os.path.join(run.job["model_dir"], name)
        if os.path.exists(source):
            shutil.copyfile(source, os.path.join(staging, name))
    shutil.copyfile(run.path("metrics.jsonl"), os.path.join(staging, "metrics.jsonl"))
    swap_in(staging, final)


def kill_point(run):
    """Fault injection for tests: LEP_ENGINE_KILL_AT=RANK:STEP kills that rank (SIGKILL) after that step."""
    spec = os.environ.get("LEP_ENGINE_KILL_AT")
    if not spec:
        return None
    rank, step = (int(x) for x in spec.split(":"))
    return step if rank == run.rank else None


def train(run):
    o = run.o
    if o["trainable"] != "embeddings":
        raise InputError(run.job["model_dir"], f"the torch engine trains the embeddings set only, not '{o['trainable']}'")
    b, accum = o["batch_size"], o["gradient_accumulation"]
    if b % run.world != 0:
        raise InputError("--batch-size", f"{b} rows per micro-batch cannot be shared evenly by {run.world} ranks")
    device = pick_device(run)
    if run.world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    layer_dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    run.log(f"rank {run.rank}/{run.world} on {device}, torch {torch.__version__}, frozen layers in {layer_dtype}")
    torch.manual_seed(o["seed"])

    model, weights = llama.load(run.job["model_dir"], device, layer_dtype)
    model.checkpoint_layers = bool(run.job.get("activation_checkpointing", False))
    data = SafetensorsFile(run.job["data"])
    train_rows, val_rows = Rows(data, "train"), Rows(data, "validation")
    order = data.tensor("order").long()
    if list(order.shape) != [o["steps"], b * accum]:
        raise InputError(run.job["data"], f"data order is {list(order.shape)}, the options need [{o['steps']}, {b * accum}]")
    params = model.trainable()
    optimizer = AdamW(params, o, row_mask(o, model.config.vocab, device))
    ddp = model
    if run.world > 1:
        ddp = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[run.local_rank] if device.type == "cuda" else None, broadcast_buffers=False)

    state = load_checkpoint(run, params, optimizer, device)
    step = state["Step"] if state else 0
    tokens = state["TokensSeen"] if state else 0
    previous = state["ElapsedSeconds"] if state else 0.0
    metrics_path = run.path("metrics.jsonl")
    if run.rank == 0:
        if state:
            drop_metrics_after(metrics_path, step)
        elif os.path.exists(metrics_path):
            os.remove(metrics_path)
    run.log(f"{'resuming at' if state else 'starting at'} step {step} of {o['steps']}")
    kill_at = kill_point(run)
    clock = time.time()
    metrics = open(metrics_path, "a", encoding="utf-8") if run.rank == 0 else None

    while step < o["steps"]:
        started = time.time()
        lr = learning_rate(step, o)
        for _, p in params:
            p.grad = None
        rows = order[step].tolist()
        local_loss, step_tokens = 0.0, 0
        for micro in range(accum):
            batch = rows[micro * b:(micro + 1) * b]
            count = train_rows.target_count(batch)
            step_tokens += count
            mine = batch[run.rank::run.world]
            # The loss is the batch's token mean, as on one device: each rank's sum over the global token count,
            # times the world size that DDP's gradient averaging divides by.
            sync = micro == accum - 1 or run.world == 1
            context = ddp.no_sync() if not sync else _nothing()
            with context:
                loss = loss_sum(ddp, train_rows, mine, device) / max(1, count) / accum
                (loss * run.world).backward()
            local_loss += loss.item()
        (loss_value,) = all_sum([local_loss], device)
        grad_norm = optimizer.clip(o["gradient_clip"])
        optimizer.update(lr)
        step += 1
        tokens += step_tokens
        per_second = step_tokens / max(1e-9, time.time() - started)
        record = {"step": step, "lr": lr, "loss": round(loss_value, 6), "grad_norm": round(grad_norm, 6),
                  "tokens": tokens, "tokens_per_s": round(per_second, 1)}
        last = step == o["steps"]
        if val_rows.count > 0 and o["eval_every"] > 0 and (step % o["eval_every"] == 0 or last):
            record["val_loss"] = round(validation_loss(run, model, val_rows, device), 6)
        if metrics is not None:
            metrics.write(json.dumps(record) + "\n")
            metrics.flush()
            if (o["checkpoint_every"] > 0 and step % o["checkpoint_every"] == 0) or last:
                save_checkpoint(run, params, optimizer, {"Step": step, "TokensSeen": tokens,
                                                         "ElapsedSeconds": previous + time.time() - clock,
                                                         "OptionsFingerprint": run.job["fingerprint"]})
        run.log(f"step {step} loss {loss_value:.6f} lr {lr:.3e} {per_second:.0f} tok/s")
        if kill_at is not None and step == kill_at:
            run.log("killed by LEP_ENGINE_KILL_AT")
            os.kill(os.getpid(), signal.SIGKILL)

    if metrics is not None:
        metrics.close()
        write_output(run, model, weights)
        run.log(f"wrote {run.path('output')}")
    if dist.is_initialized():
        dist.barrier()
        # torch 1.13 (Debian 12): freeing DDP's reducer destroys the gloo process group, and that destructor can
        # deadlock (it joins a gloo thread that waits for the GIL the joining thread holds; seen in tests here).
        # Every rank's work is on disk after the barrier, so nothing is torn down: the process leaves by os._exit.
        run.keep_until_exit = ddp


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def main():
    if len(sys.argv) != 2:
        print("usage: torchrun [...] train.py RUN/job.json", file=sys.stderr)
        return 2
    run = None
    try:
        run = Run(sys.argv[1])
        train(run)
        return 0
    except InputError as e:
        message = f"error: {e}"
        print(message, file=sys.stderr)
        if run is not None:
            run.log(message)
            with open(run.path("error.txt"), "w", encoding="utf-8") as f:
                f.write(f"{e.path}\n{e.problem}\n")
        return 2
    except Exception:
        text = traceback.format_exc()
        print(text, file=sys.stderr)
        if run is not None:
            run.log(text)
        return 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
