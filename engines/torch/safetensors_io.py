"""Safetensors read and write with torch alone: an 8-byte little-endian header length, a JSON header (dtype, shape,
data_offsets per tensor), then the raw little-endian tensor bytes. Files are memory-mapped, so reading one tensor of a
16 GB checkpoint touches only its bytes."""
import ctypes
import json
import mmap
import os
import struct
import sys

import torch

if sys.byteorder != "little":
    raise SystemExit("error: the engine reads and writes safetensors (little-endian) and needs a little-endian machine")

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}


class InputError(Exception):
    """Bad input (a path and what is wrong with it): the engine reports it on one line and exits 2."""

    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = path, problem


class SafetensorsFile:
    """A memory-mapped safetensors file; tensor(name) copies one tensor out (no reference to the map is kept)."""

    def __init__(self, path):
        self.path = path
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise InputError(path, "not a safetensors file (shorter than its 8-byte header length)")
            (length,) = struct.unpack("<Q", head)
            if length > size - 8:
                raise InputError(path, f"header length {length} runs past the end of the file")
            try:
                header = json.loads(f.read(length).decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise InputError(path, f"unreadable safetensors header ({e})")
            # ACCESS_COPY gives a writable view (torch.frombuffer warns on read-only buffers); pages are shared
            # with the page cache until written, and nothing here writes them.
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY) if size > 0 else None
        self.metadata = header.pop("__metadata__", {}) or {}
        self._data_start = 8 + length
        self.infos = {}
        for name, info in header.items():
            dtype = DTYPES.get(info.get("dtype"))
            if dtype is None:
                raise InputError(path, f"tensor '{name}' has unsupported dtype {info.get('dtype')}")
            start, end = info["data_offsets"]
            count = 1
            for d in info["shape"]:
                count *= d
            itemsize = torch.tensor([], dtype=dtype).element_size()
            if end - start != count * itemsize or self._data_start + end > size:
                raise InputError(path, f"tensor '{name}' has data offsets that do not match its shape and dtype")
            self.infos[name] = (dtype, list(info["shape"]), start)

    def names(self):
        return list(self.infos)

    def tensor(self, name, rows=None):
        """The tensor, or only rows [a, b) of its first dimension when rows=(a, b)."""
        dtype, shape, start = self.infos[name]
        itemsize = torch.tensor([], dtype=dtype).element_size()
        row = 1
        for d in shape[1:]:
            row *= d
        a, b = rows if rows is not None else (0, shape[0] if shape else 1)
        count = (b - a) * row if shape else 1
        if count == 0:
            return torch.empty([b - a] + shape[1:], dtype=dtype)
        flat = torch.frombuffer(self._map, dtype=dtype, count=count, offset=self._data_start + start + a * row * itemsize)
        return flat.reshape([b - a] + shape[1:] if shape else []).clone()

    def close(self):
        if self._map is not None:
            self._map.close()
            self._map = None


def write(path, entries, metadata=None):
    """Writes a safetensors file from [(name, dtype, shape, produce)], where produce() returns the tensor (any device)
    when its turn comes, so a checkpoint larger than memory streams through. Written to a temp file renamed into place."""
    header = {"__metadata__": dict(metadata or {"format": "pt"})}
    offset = 0
    for name, dtype, shape, _ in entries:
        n = nbytes(dtype, shape)
        header[name] = {"dtype": NAMES[dtype], "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name, dtype, shape, produce in entries:
            t = produce()
            if t.dtype != dtype or list(t.shape) != list(shape):
                raise ValueError(f"{name}: produced {t.dtype} {list(t.shape)}, declared {dtype} {list(shape)}")
            write_raw(f, t)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_tensors(path, tensors):
    """Writes [(name, tensor)] as one safetensors file."""
    write(path, [(name, t.dtype, list(t.shape), (lambda t=t: t)) for name, t in tensors])


def nbytes(dtype, shape):
    n = torch.tensor([], dtype=dtype).element_size()
    for d in shape:
        n *= d
    return n


def write_raw(f, t, chunk_bytes=1 << 26):
    """The tensor's bytes (row-major, little-endian) to an open file, a chunk at a time (no numpy needed)."""
    flat = t.detach().to("cpu").contiguous().reshape(-1)
    if flat.dtype == torch.bool:
        flat = flat.to(torch.uint8)
    raw = flat.view(torch.uint8)
    for s in range(0, raw.numel(), chunk_bytes):
        piece = raw[s:s + chunk_bytes]
        f.write(ctypes.string_at(piece.data_ptr(), piece.numel()))
