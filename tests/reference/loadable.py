#!/usr/bin/python3
"""Independent Python reader (and writer, for self-tests) of the loadable byte format: docs/loadable-format.md
with the record field lists mirrored from sw/include/dla/loadable.h in declaration order. Records are
`Record` dicts (attribute access: op.u.conv.src.region). Usage: loadable.py FILE.dlal (prints a summary)."""

import struct
import sys
import zlib

MAGIC = 0x4C414C44
VERSION_MAJOR = 1
VERSION_MINOR = 3  # 1.1: optional SEGMENTS and GPU_LAYERS (GPU fallback); 1.2: optional LUTS, conv batch fields, mixed INT8/FP16 precisions, RUBIK ops; 1.3: CDP ops (converters, LUT in LUTS), SDP PReLU flags
HEADER_BYTES = 64
SECTION_ENTRY_BYTES = 24
LNAME_MAX = 128
MAX_OP_DEPS = 8

SEC_TARGET, SEC_REGIONS, SEC_TENSORS, SEC_LAYERS, SEC_OPS, SEC_BLOB = 1, 2, 3, 4, 5, 6
SEC_SEGMENTS, SEC_GPU_LAYERS, SEC_LUTS = 7, 8, 9
SECTION_NAMES = {1: "TARGET", 2: "REGIONS", 3: "TENSORS", 4: "LAYERS", 5: "OPS", 6: "BLOB", 7: "SEGMENTS",
                 8: "GPU_LAYERS", 9: "LUTS"}
OPTIONAL_SECTIONS = (SEC_SEGMENTS, SEC_GPU_LAYERS)  # both or neither (format 1.1)

# enums (loadable.h)
PREC_INT8, PREC_FP16, PREC_INT16, PREC_FP32 = 0, 1, 2, 3
REGION_WEIGHTS, REGION_INPUT, REGION_OUTPUT, REGION_ACTIVATIONS = 0, 1, 2, 3
ROLE_INPUT, ROLE_OUTPUT, ROLE_INTERNAL = 0, 1, 2
OP_CONV, OP_SDP, OP_PDP, OP_CDP, OP_RUBIK = 0, 1, 2, 3, 4
OP_KIND_NAMES = {OP_CONV: "conv", OP_SDP: "sdp", OP_PDP: "pdp", OP_CDP: "cdp", OP_RUBIK: "rubik"}
RUBIK_CONTRACT = 0
WEIGHT_DENSE, WEIGHT_SPARSE_2_4 = 0, 1
DATA_FEATURE, DATA_PIXEL = 0, 1
ALU_MAX, ALU_MIN, ALU_SUM, ALU_PROD = 0, 1, 2, 3  # PROD: EW stage only (format 1.2)
LUT_LE_ENTRIES, LUT_LO_ENTRIES = 65, 257
OPERAND_PER_LAYER, OPERAND_PER_KERNEL = 0, 1
POOL_AVG, POOL_MAX, POOL_MIN = 0, 1, 2

# Field lists, declaration order. A type is a scalar code, "charN", "u32xN" or a nested struct's name.
SCALARS = {"u32": "I", "i32": "i", "u64": "Q", "f32": "f"}


def _fields(spec):
    return [tuple(f.split(":")) for f in spec.split()]


STRUCTS = {
    "target": _fields("target_config:char64 atomic_c:u32 atomic_k:u32 memory_atomic_bytes:u32 cbuf_banks:u32 "
                      "cbuf_entries_per_bank:u32 cbuf_entry_bytes:u32 network:char128 precision:u32 batch:u32"),
    "region": _fields("kind:u32 domain:u32 size:u64 alignment:u32 blob_offset:u64 blob_size:u64"),
    "tensor": _fields("name:char128 role:u32 n:u32 c:u32 h:u32 w:u32 precision:u32 region:u32 offset:u64 "
                      "line_stride:u32 surface_stride:u32 batch_stride:u64 scale:f32 data_format:u32 "
                      "pixel_format:u32"),
    "layer": _fields("name:char128 type:char32 macs:u64"),
    "surface": _fields("region:i32 offset:u64 width:u32 height:u32 channels:u32 line_stride:u32 "
                       "surface_stride:u32 precision:u32"),
    "conv": _fields("src:surface weight_region:u32 weight_offset:u64 weight_bytes:u64 weight_format:u32 "
                    "sparse_meta_offset:u64 sparse_meta_bytes:u64 kernel_w:u32 kernel_h:u32 kernel_c:u32 "
                    "kernel_k:u32 stride_x:u32 stride_y:u32 dilation_x:u32 dilation_y:u32 pad_left:u32 "
                    "pad_right:u32 pad_top:u32 pad_bottom:u32 pad_value:i32 out_w:u32 out_h:u32 precision:u32 "
                    "data_banks:u32 weight_banks:u32 entry_per_slice:u32 fetch_grain:u32 data_reuse:u32 "
                    "weight_reuse:u32 skip_data_release:u32 skip_weight_release:u32 release_slices:u32 "
                    "clip_truncate:u32 data_format:u32 pixel_format:u32 batch:u32 src_batch_stride:u64 "
                    "dst_batch_stride:u64"),
    "sdp_stage": _fields("enable:u32 alu_enable:u32 alu_op:u32 alu_src:u32 alu_operand:i32 alu_shift:u32 "
                         "mul_enable:u32 mul_src:u32 mul_operand:i32 mul_shift:u32 relu:u32 operand_region:i32 "
                         "operand_offset:u64"),
    "sdp_ew": _fields("enable:u32 operand:surface cvt_offset:i32 cvt_scale:i32 cvt_shift:u32 alu_op:u32 "
                      "mul_enable:u32 mul_operand:i32 mul_shift:u32 relu:u32"),
    "sdp": _fields("src:surface dst:surface in_precision:u32 out_precision:u32 bs:sdp_stage bn:sdp_stage "
                   "ew:sdp_ew out_cvt_offset:i32 out_cvt_scale:i32 out_cvt_shift:u32 "
                   "bs_mul_prelu:u32 bn_mul_prelu:u32"),  # 1.3: the stages' PReLU flags, after the 1.2 fields
    "pdp": _fields("src:surface dst:surface method:u32 kernel_w:u32 kernel_h:u32 stride_x:u32 stride_y:u32 "
                   "pad_left:u32 pad_right:u32 pad_top:u32 pad_bottom:u32 pad_value:i32 count_include_pad:u32 "
                   "split_num:u32"),
    "cdp": _fields("src:surface dst:surface local_size:u32 alpha:f32 beta:f32 bias:f32 in_cvt_offset:i32 "
                   "in_cvt_scale:i32 in_cvt_shift:u32 out_cvt_offset:i32 out_cvt_scale:i32 out_cvt_shift:u32 "
                   "src_scale:f32 dst_scale:f32"),
    "rubik": _fields("src:surface dst:surface mode:u32 stride_x:u32 stride_y:u32"),
    "segment": _fields("kind:u32 name:char128 first:u32 count:u32 boundary_bytes:u64"),
    "gpu_layer": _fields("name:char128 op_type:char32 precision:u32 in_dims:u32x4 out_dims:u32x4 macs:u64 "
                         "read_bytes:u64 write_bytes:u64"),
    "lut": _fields(f"op:u32 le_function:u32 le_index_offset:i32 le_index_select:i32 lo_index_select:i32 "
                   f"le_start:i32 le_end:i32 lo_start:i32 lo_end:i32 le_uflow_scale:i32 le_oflow_scale:i32 "
                   f"lo_uflow_scale:i32 lo_oflow_scale:i32 le_uflow_shift:i32 le_oflow_shift:i32 "
                   f"lo_uflow_shift:i32 lo_oflow_shift:i32 uflow_priority:u32 oflow_priority:u32 "
                   f"hybrid_priority:u32 le:i16x{LUT_LE_ENTRIES} lo:i16x{LUT_LO_ENTRIES}"),
    "op_common": _fields(f"kind:u32 layer:u32 batch_index:u32 fused_parent:i32 num_deps:u32 "
                         f"deps:u32x{MAX_OP_DEPS} macs:u64"),
}
OP_MEMBERS = {OP_CONV: "conv", OP_SDP: "sdp", OP_PDP: "pdp", OP_CDP: "cdp", OP_RUBIK: "rubik"}


class LoadableError(Exception):
    """A malformed loadable; the message names the file and the problem."""


class Record(dict):
    """A dict with attribute access, so records read like the C structs."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError as e:
            raise AttributeError(key) from e

    def __setattr__(self, key, value):
        self[key] = value


def _type_size(t):
    if t in SCALARS:
        return struct.calcsize("<" + SCALARS[t])
    if t.startswith("char"):
        return int(t[4:])
    if t.startswith("u32x"):
        return 4 * int(t[4:])
    if t.startswith("i16x"):
        return 2 * int(t[4:])
    return struct_size(t)


def struct_size(name):
    return sum(_type_size(t) for _, t in STRUCTS[name])


OP_UNION_BYTES = max(struct_size(m) for m in OP_MEMBERS.values())
OP_RECORD_BYTES = struct_size("op_common") + OP_UNION_BYTES
RECORD_BYTES = {SEC_TARGET: struct_size("target"), SEC_REGIONS: struct_size("region"),
                SEC_TENSORS: struct_size("tensor"), SEC_LAYERS: struct_size("layer"), SEC_OPS: OP_RECORD_BYTES,
                SEC_SEGMENTS: struct_size("segment"), SEC_GPU_LAYERS: struct_size("gpu_layer"),
                SEC_LUTS: struct_size("lut")}


def _unpack(name, data, pos, where):
    rec = Record()
    for field, t in STRUCTS[name]:
        size = _type_size(t)
        raw = data[pos:pos + size]
        if t in SCALARS:
            rec[field] = struct.unpack("<" + SCALARS[t], raw)[0]
        elif t.startswith("char"):
            if b"\0" not in raw:
                raise LoadableError(f"{where}: field '{field}' ({size} bytes) has no terminating NUL")
            try:
                rec[field] = raw[:raw.index(b"\0")].decode("utf-8")
            except UnicodeDecodeError as e:
                raise LoadableError(f"{where}: field '{field}' is not UTF-8 ({e})") from e
        elif t.startswith("u32x"):
            rec[field] = list(struct.unpack(f"<{size // 4}I", raw))
        elif t.startswith("i16x"):
            rec[field] = list(struct.unpack(f"<{size // 2}h", raw))
        else:
            rec[field] = _unpack(t, data, pos, f"{where}.{field}")
        pos += size
    return rec


def _pack(name, rec):
    out = bytearray()
    for field, t in STRUCTS[name]:
        v = rec[field]
        if t in SCALARS:
            out += struct.pack("<" + SCALARS[t], v)
        elif t.startswith("char"):
            raw = v.encode("utf-8")
            if len(raw) >= int(t[4:]):
                raise LoadableError(f"field '{field}': '{v}' does not fit {t} with its NUL")
            out += raw.ljust(int(t[4:]), b"\0")
        elif t.startswith("u32x"):
            n = int(t[4:])
            out += struct.pack(f"<{n}I", *(list(v) + [0] * (n - len(v))))
        elif t.startswith("i16x"):
            n = int(t[4:])
            out += struct.pack(f"<{n}h", *(list(v) + [0] * (n - len(v))))
        else:
            out += _pack(t, v)
    return bytes(out)


def zero_record(name):
    """A record of `name` with every field zero / empty (producers fill what they need)."""
    rec = Record()
    for field, t in STRUCTS[name]:
        if t in SCALARS:
            rec[field] = 0.0 if t == "f32" else 0
        elif t.startswith("char"):
            rec[field] = ""
        elif t.startswith("u32x") or t.startswith("i16x"):
            rec[field] = [0] * int(t[4:])
        else:
            rec[field] = zero_record(t)
    return rec


def _unpack_op(data, pos, where):
    op = _unpack("op_common", data, pos, where)
    member = OP_MEMBERS.get(op.kind)
    if member is None:
        raise LoadableError(f"{where}: unknown op kind {op.kind} (expected 0..{len(OP_MEMBERS) - 1})")
    base = pos + struct_size("op_common")
    op["u"] = Record({member: _unpack(member, data, base, f"{where}.u.{member}")})
    pad = data[base + struct_size(member):base + OP_UNION_BYTES]
    if any(pad):
        raise LoadableError(f"{where}: non-zero bytes after the {member} member (expected zero padding)")
    return op


def parse(data, source="<buffer>"):
    """Parse and check the container (header, sections, records). Returns a Record with target fields,
    regions, tensors, layers, ops and blob (bytes)."""
    data = bytes(data)
    if len(data) < HEADER_BYTES:
        raise LoadableError(f"{source}: {len(data)} bytes, shorter than the {HEADER_BYTES}-byte header")
    magic, vmaj, vmin, hbytes, flags, fsize, crc, nsec, sec_off = struct.unpack_from("<IHHIIQIIQ", data, 0)
    if magic != MAGIC:
        raise LoadableError(f"{source}: bad magic 0x{magic:08x} (expected 0x{MAGIC:08x} 'DLAL')")
    if vmaj != VERSION_MAJOR:
        raise LoadableError(f"{source}: version {vmaj}.{vmin} (this reader reads major {VERSION_MAJOR})")
    if hbytes != HEADER_BYTES:
        raise LoadableError(f"{source}: header_bytes {hbytes} (expected {HEADER_BYTES})")
    if fsize != len(data):
        raise LoadableError(f"{source}: header file_size {fsize} differs from the real size {len(data)}")
    real_crc = zlib.crc32(data[hbytes:]) & 0xFFFFFFFF
    if crc != real_crc:
        raise LoadableError(f"{source}: crc32 mismatch (header 0x{crc:08x}, data 0x{real_crc:08x})")
    if flags != 0 or any(data[40:64]):
        raise LoadableError(f"{source}: flags and reserved header bytes must be zero")
    if sec_off < HEADER_BYTES or sec_off + nsec * SECTION_ENTRY_BYTES > len(data):
        raise LoadableError(f"{source}: section table ({nsec} entries at {sec_off}) outside the file")
    sections = {}
    for i in range(nsec):
        stype, count, off, size = struct.unpack_from("<IIQQ", data, sec_off + i * SECTION_ENTRY_BYTES)
        name = SECTION_NAMES.get(stype)
        if name is None:
            raise LoadableError(f"{source}: section {i} has unknown type {stype} (expected 1..9)")
        if stype in sections:
            raise LoadableError(f"{source}: section {name} appears twice")
        if off % 8 or off + size > len(data) or off < HEADER_BYTES:
            raise LoadableError(f"{source}: section {name} at {off} (+{size} bytes) is outside the file or not "
                                f"8-byte aligned")
        expect = count if stype == SEC_BLOB else count * RECORD_BYTES[stype]
        if size != expect or (stype == SEC_TARGET and count != 1):
            raise LoadableError(f"{source}: section {name} is {size} bytes for count {count} (expected {expect}"
                                f"{', count 1' if stype == SEC_TARGET else ''})")
        sections[stype] = (count, off)
    optional = [t for t in OPTIONAL_SECTIONS if t in sections]
    if optional and (len(optional) != len(OPTIONAL_SECTIONS) or vmin < 1):
        raise LoadableError(f"{source}: SEGMENTS and GPU_LAYERS come together, in format 1.1 or later")
    if SEC_LUTS in sections and (vmin < 2 or not optional):
        raise LoadableError(f"{source}: LUTS needs format 1.2 and the SEGMENTS and GPU_LAYERS sections")
    missing = [SECTION_NAMES[t] for t in SECTION_NAMES
               if t not in sections and t not in OPTIONAL_SECTIONS and t != SEC_LUTS]
    if missing:
        raise LoadableError(f"{source}: missing section(s) {', '.join(missing)}")

    def records(stype, name):
        count, off = sections[stype]
        size = RECORD_BYTES[stype]
        return [_unpack(name, data, off + i * size, f"{source}: {SECTION_NAMES[stype].lower()}[{i}]")
                for i in range(count)]

    out = _unpack("target", data, sections[SEC_TARGET][1], f"{source}: target")
    out["regions"] = records(SEC_REGIONS, "region")
    out["tensors"] = records(SEC_TENSORS, "tensor")
    out["layers"] = records(SEC_LAYERS, "layer")
    count, off = sections[SEC_OPS]
    out["ops"] = [_unpack_op(data, off + i * OP_RECORD_BYTES, f"{source}: ops[{i}]") for i in range(count)]
    count, off = sections[SEC_BLOB]
    out["blob"] = data[off:off + count]
    if SEC_SEGMENTS in sections:  # format 1.1 with GPU fallback; absent keys: DLA only
        out["segments"] = records(SEC_SEGMENTS, "segment")
        out["gpu_layers"] = records(SEC_GPU_LAYERS, "gpu_layer")
    if SEC_LUTS in sections:  # format 1.2: SDP lookup tables; absent key: none
        out["luts"] = records(SEC_LUTS, "lut")
    return out


def read(path):
    with open(path, "rb") as f:
        return parse(f.read(), path)


def serialise(lod):
    """Bytes of a loadable Record (the shape `parse` returns); used by self-tests to build fixtures."""
    bodies = [
        (SEC_TARGET, 1, _pack("target", lod)),
        (SEC_REGIONS, len(lod.regions), b"".join(_pack("region", r) for r in lod.regions)),
        (SEC_TENSORS, len(lod.tensors), b"".join(_pack("tensor", t) for t in lod.tensors)),
        (SEC_LAYERS, len(lod.layers), b"".join(_pack("layer", ly) for ly in lod.layers)),
        (SEC_OPS, len(lod.ops), b"".join(_pack_op(op) for op in lod.ops)),
        (SEC_BLOB, len(lod.blob), bytes(lod.blob)),
    ]
    if lod.get("segments") or lod.get("gpu_layers") or lod.get("luts"):
        segs, gpus = lod.get("segments", []), lod.get("gpu_layers", [])
        bodies.append((SEC_SEGMENTS, len(segs), b"".join(_pack("segment", x) for x in segs)))
        bodies.append((SEC_GPU_LAYERS, len(gpus), b"".join(_pack("gpu_layer", x) for x in gpus)))
    if lod.get("luts"):
        bodies.append((SEC_LUTS, len(lod.luts), b"".join(_pack("lut", x) for x in lod.luts)))
    pos = HEADER_BYTES + len(bodies) * SECTION_ENTRY_BYTES
    table, payload = bytearray(), bytearray()
    for stype, count, body in bodies:
        pos = (pos + 7) // 8 * 8
        payload += b"\0" * (pos - HEADER_BYTES - len(bodies) * SECTION_ENTRY_BYTES - len(payload))
        table += struct.pack("<IIQQ", stype, count, pos, len(body))
        payload += body
        pos += len(body)
    rest = bytes(table + payload)
    size = HEADER_BYTES + len(rest)
    header = struct.pack("<IHHIIQIIQ", MAGIC, VERSION_MAJOR, VERSION_MINOR, HEADER_BYTES, 0, size,
                         zlib.crc32(rest) & 0xFFFFFFFF, len(bodies), HEADER_BYTES)
    return header.ljust(HEADER_BYTES, b"\0") + rest


def _pack_op(op):
    member = OP_MEMBERS[op.kind]
    body = _pack("op_common", op) + _pack(member, op.u[member])
    return body.ljust(OP_RECORD_BYTES, b"\0")


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: loadable.py FILE.dlal\n")
        return 2
    try:
        lod = read(argv[1])
    except (OSError, LoadableError) as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    print(f"{argv[1]}: network '{lod.network}' target '{lod.target_config}' batch {lod.batch} "
          f"atomic_c {lod.atomic_c} atomic_k {lod.atomic_k} atom {lod.memory_atomic_bytes} B")
    for i, r in enumerate(lod.regions):
        print(f"  region {i}: kind {r.kind} domain {r.domain} {r.size} B blob {r.blob_offset}+{r.blob_size}")
    for t in lod.tensors:
        print(f"  tensor '{t.name}' role {t.role} {t.n}x{t.c}x{t.h}x{t.w} region {t.region}+{t.offset} "
              f"scale {t.scale:g}")
    for i, op in enumerate(lod.ops):
        print(f"  op {i}: {OP_KIND_NAMES[op.kind]} layer {op.layer} parent {op.fused_parent} "
              f"deps {op.deps[:op.num_deps]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
