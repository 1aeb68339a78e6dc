/**
 * The safetensors format (huggingface/safetensors), read and written without dependencies:
 *
 *     [u64 little-endian N][N bytes of UTF-8 JSON header, space-padded][raw little-endian data]
 *
 * The header maps each tensor name to `{ "dtype", "shape", "data_offsets": [begin, end] }`
 * (offsets relative to the start of the data) and may hold `"__metadata__": { string: string }`.
 *
 * This module works on bytes (`serialize`, `deserialize`), so it runs wherever tapegrad runs;
 * `save` and `load`, which write and read files, are in the `tapegrad/node` entry (files.ts).
 *
 * Writing follows the reference `prepare()` byte for byte: tensors sorted by dtype in descending
 * order of the reference's `Dtype` enum (F64, then F32, then I32), then by name; `__metadata__`
 * first in the header; the header padded with spaces to a multiple of 8 bytes so that every
 * tensor starts 8-byte aligned in the file.
 *
 * Reading accepts what the reference accepts and rejects what it rejects (plus duplicate keys,
 * which serde_json would silently collapse): the tensors, taken in offset order, must tile the
 * data section exactly, with no hole, overlap or trailing byte. Everything is checked before a
 * single tensor is built, and the tensors never alias the input bytes.
 */
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import type { DType, Storage } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';
import { emptyTensor, scoped, Tensor } from '../tensor/tensor.js';
import type { StateDict } from '../nn/module.js';

/** The dtype codes tapegrad writes, one per tapegrad dtype (a new dtype without one won't compile). */
const WRITE_CODE: { [D in DType]: 'F32' | 'F64' | 'I32' } = {
  float32: 'F32',
  float64: 'F64',
  int32: 'I32',
};

/**
 * Position of each written code in the reference's `Dtype` enum (declared in increasing alignment
 * order); `prepare()` sorts by this, descending. Only the relative order matters.
 */
const ENUM_RANK: { [C in (typeof WRITE_CODE)[DType]]: number } = { I32: 0, F32: 1, F64: 2 };

/** The dtype codes tapegrad reads, with their sizes. I64 becomes int32 (range-checked). */
export type SafetensorsDType = 'F32' | 'F64' | 'I32' | 'I64';
const READ_SIZE: { [C in SafetensorsDType]: number } = { F32: 4, F64: 8, I32: 4, I64: 8 };
/** The dtype each read code loads as. */
const READ_DTYPE: { [C in SafetensorsDType]: DType } = {
  F32: 'float32',
  F64: 'float64',
  I32: 'int32',
  I64: 'int32',
};

/** Codes the format defines that tapegrad has no dtype for (named as such in errors). */
const OTHER_CODES = new Set([
  'BOOL',
  'U8',
  'I8',
  'I16',
  'U16',
  'U32',
  'U64',
  'F16',
  'BF16',
  'C64',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F8_E4M3FNUZ',
  'F8_E5M2FNUZ',
]);

/** The reference refuses headers above 100 MB rather than parse them. */
const MAX_HEADER_SIZE = 100_000_000;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One tensor's entry in a validated header. */
export interface SafetensorsTensorInfo {
  /** The state-dict key. */
  name: string;
  /** The stored dtype code (I64 is loaded as int32). */
  dtype: SafetensorsDType;
  /** The tensor's shape (`[]` for a 0-d tensor). */
  shape: number[];
  /** `[begin, end)` in bytes, relative to the start of the data section. */
  dataOffsets: [number, number];
}

/** A validated header: tensors in file (offset) order, and the `__metadata__` strings. */
export interface SafetensorsHeader {
  /** Bytes from the start of the file to the start of the data section (8 + N). */
  dataStart: number;
  /** The tensors, in the order of their data in the file. */
  tensors: SafetensorsTensorInfo[];
  /** The `__metadata__` string pairs, or null when the file has none. */
  metadata: Record<string, string> | null;
}

// ---- writing ------------------------------------------------------------------------------------

/**
 * The safetensors bytes of a state dict, laid out as the reference implementation lays them out.
 * Tensors keep their dtype (float32 → F32, float64 → F64, int32 → I32) and their names as given.
 *
 * int32 stays I32, including BatchNorm's `num_batches_tracked` (int64 in PyTorch): PyTorch's
 * `load_state_dict` copies it into its int64 buffer with `copy_`, which casts.
 *
 * @example
 * ```ts
 * const bytes = serialize(model.stateDict(), { format: 'pt' });
 * model.loadStateDict(deserialize(bytes));
 * ```
 */
export function serialize(dict: StateDict, metadata?: Record<string, string>): Uint8Array {
  if (typeof dict !== 'object' || dict === null) {
    throw new ValueError(`safetensors: expected a state dict object, got ${describe(dict)}`);
  }
  const entries = Object.entries(dict);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) {
      throw new ValueError(`safetensors: '${name}' is ${describe(t)}, expected a Tensor`);
    }
    if (name === '__metadata__') {
      throw new ValueError(`safetensors: '__metadata__' is reserved and cannot name a tensor`);
    }
    checkWellFormed(name, 'tensor name');
  }
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null) {
      throw new ValueError(`safetensors: metadata must be an object, got ${describe(metadata)}`);
    }
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new ValueError(
          `safetensors: metadata values must be strings, but '${k}' is ${describe(v)}`,
        );
      }
      checkWellFormed(k, 'metadata key');
      checkWellFormed(v, `metadata value of '${k}'`);
    }
  }

  entries.sort(
    ([an, a], [bn, b]) =>
      ENUM_RANK[WRITE_CODE[b.dtype]] - ENUM_RANK[WRITE_CODE[a.dtype]] || compareCodePoints(an, bn),
  );
  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + t.data.byteLength;
    // Key order and compact separators as serde_json writes the reference's TensorInfo.
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${WRITE_CODE[t.dtype]}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const [, t] of entries) {
    writeLittleEndian(t.data, out, at);
    at += t.data.byteLength;
  }
  return out;
}

// ---- reading ------------------------------------------------------------------------------------

/**
 * Parses and validates the header of safetensors `bytes` without reading any tensor data.
 * Throws `ValueError` for a malformed file, `DTypeError` for a dtype tapegrad cannot load and
 * `ShapeError` when a tensor's byte range disagrees with its shape and dtype.
 * @example readHeader(readFileSync('model.safetensors')).tensors.map((t) => t.name)
 */
export function readHeader(bytes: Uint8Array): SafetensorsHeader {
  if (!(bytes instanceof Uint8Array)) {
    throw new ValueError(`safetensors: expected a Uint8Array, got ${describe(bytes)}`);
  }
  if (bytes.length < 8) {
    throw new ValueError(
      `safetensors: the file is ${bytes.length} bytes long, too short for the 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_SIZE)) {
    throw new ValueError(
      `safetensors: header length ${n} exceeds the limit of ${MAX_HEADER_SIZE} bytes`,
    );
  }
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) {
    throw new ValueError(
      `safetensors: header length ${headerLength} exceeds the ${bytes.length - 8} bytes that follow it`,
    );
  }
  let text: string;
  try {
    // ignoreBOM keeps a BOM in the text, where the JSON parser rejects it (as serde_json does).
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(8, 8 + headerLength),
    );
  } catch {
    throw new ValueError('safetensors: the header is not valid UTF-8');
  }
  const root = parseJson(text);
  if (!(root instanceof Map)) {
    throw new ValueError(`safetensors: the header must be a JSON object, got ${jsonKind(root)}`);
  }

  let metadata: Record<string, string> | null = null;
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [name, value] of root) {
    if (name === '__metadata__') {
      metadata = readMetadata(value);
      continue;
    }
    tensors.push(readTensorInfo(name, value));
  }

  const dataLength = bytes.length - 8 - headerLength;
  for (const t of tensors) {
    if (t.dataOffsets[1] > dataLength) {
      throw new ValueError(
        `safetensors: tensor '${t.name}' has data_offsets [${t.dataOffsets.join(', ')}] beyond the end of the data section (${dataLength} bytes)`,
      );
    }
  }
  // The reference sorts by (begin, end) and requires each tensor to start where the previous one
  // ended, from 0 to the last byte of the file: no hole, no overlap, no trailing bytes.
  tensors.sort(
    (a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1],
  );
  let covered = 0;
  let previous: SafetensorsTensorInfo | null = null;
  for (const t of tensors) {
    const [begin, end] = t.dataOffsets;
    if (begin < covered) {
      throw new ValueError(
        `safetensors: tensors '${previous!.name}' [${previous!.dataOffsets.join(', ')}] and '${t.name}' [${begin}, ${end}] overlap`,
      );
    }
    if (begin > covered) {
      throw new ValueError(
        `safetensors: bytes [${covered}, ${begin}) of the data section belong to no tensor (before '${t.name}')`,
      );
    }
    covered = end;
    previous = t;
  }
  if (covered !== dataLength) {
    throw new ValueError(
      `safetensors: ${dataLength - covered} trailing bytes: the tensors cover ${covered} of the ${dataLength} data bytes`,
    );
  }
  return { dataStart: 8 + headerLength, tensors, metadata };
}

/**
 * The state dict stored in safetensors `bytes`, keys sorted by name (as the Python library's
 * `load_file` returns them). F32/F64/I32 keep their dtype; I64 (what PyTorch writes for
 * `num_batches_tracked`) becomes int32, and a value outside the int32 range throws. The whole
 * file is validated first (see `readHeader`): either every tensor is returned or an error is thrown.
 *
 * @example
 * ```ts
 * model.loadStateDict(deserialize(new Uint8Array(await (await fetch(url)).arrayBuffer())));
 * ```
 */
export function deserialize(bytes: Uint8Array): StateDict {
  const header = readHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The tensors are the caller's; if one fails (an I64 out of range), the scope releases those
  // already read.
  return scoped('deserialize', () => {
    const out: [string, Tensor][] = header.tensors.map((t) => {
      const at = header.dataStart + t.dataOffsets[0];
      const tensor = emptyTensor(t.shape, READ_DTYPE[t.dtype]);
      readStorage(t, view, at, tensor.data);
      return [t.name, tensor];
    });
    out.sort(([a], [b]) => compareCodePoints(a, b));
    // fromEntries defines own properties, so a tensor named '__proto__' stays a tensor.
    return Object.fromEntries(out);
  });
}

// ---- helpers ------------------------------------------------------------------------------------

function isReadCode(code: string): code is SafetensorsDType {
  return Object.hasOwn(READ_SIZE, code);
}

/** Reads tensor `t`'s elements into `out`, its storage (of `READ_DTYPE[t.dtype]`). */
function readStorage(t: SafetensorsTensorInfo, view: DataView, at: number, out: Storage): void {
  const numel = out.length;
  switch (t.dtype) {
    case 'F32': {
      if (LITTLE_ENDIAN) copyBytes(view, at, out);
      else for (let i = 0; i < numel; i++) out[i] = view.getFloat32(at + 4 * i, true);
      return;
    }
    case 'F64': {
      if (LITTLE_ENDIAN) copyBytes(view, at, out);
      else for (let i = 0; i < numel; i++) out[i] = view.getFloat64(at + 8 * i, true);
      return;
    }
    case 'I32': {
      if (LITTLE_ENDIAN) copyBytes(view, at, out);
      else for (let i = 0; i < numel; i++) out[i] = view.getInt32(at + 4 * i, true);
      return;
    }
    case 'I64': {
      for (let i = 0; i < numel; i++) {
        const v = view.getBigInt64(at + 8 * i, true);
        if (v < -0x80000000n || v > 0x7fffffffn) {
          throw new ValueError(
            `safetensors: tensor '${t.name}' (I64) holds ${v} at flat index ${i}, outside the int32 range tapegrad loads I64 into`,
          );
        }
        out[i] = Number(v);
      }
      return;
    }
  }
}

/**
 * Copies raw bytes into `out` (little-endian hosts only; the file is little-endian), which may be
 * a view at an offset of the tensor memory.
 */
function copyBytes(view: DataView, at: number, out: Storage): void {
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(
    new Uint8Array(view.buffer, view.byteOffset + at, out.byteLength),
  );
}

function writeLittleEndian(data: Storage, out: Uint8Array, at: number): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (data instanceof Float32Array)
    for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i], true);
  else if (data instanceof Float64Array)
    for (let i = 0; i < data.length; i++) view.setFloat64(at + 8 * i, data[i], true);
  else for (let i = 0; i < data.length; i++) view.setInt32(at + 4 * i, data[i], true);
}

function readMetadata(value: Json): Record<string, string> | null {
  // serde reads `__metadata__` as Option<HashMap<String, String>>: null means absent.
  if (value === null) return null;
  if (!(value instanceof Map)) {
    throw new ValueError(
      `safetensors: '__metadata__' must be an object of strings, got ${jsonKind(value)}`,
    );
  }
  const out: [string, string][] = [];
  for (const [k, v] of value) {
    if (typeof v !== 'string') {
      throw new ValueError(
        `safetensors: '__metadata__' values must be strings, but '${k}' is ${jsonKind(v)}`,
      );
    }
    out.push([k, v]);
  }
  return Object.fromEntries(out);
}

function readTensorInfo(name: string, value: Json): SafetensorsTensorInfo {
  const where = `safetensors: tensor '${name}'`;
  if (!(value instanceof Map)) {
    throw new ValueError(
      `${where} must be described by an object with dtype, shape and data_offsets, got ${jsonKind(value)}`,
    );
  }
  const dtype = value.get('dtype');
  const shape = value.get('shape');
  const offsets = value.get('data_offsets');
  if (typeof dtype !== 'string') {
    throw new ValueError(`${where}: 'dtype' must be a string, got ${jsonKind(dtype)}`);
  }
  if (!isReadCode(dtype)) {
    throw new DTypeError(
      OTHER_CODES.has(dtype)
        ? `${where} has dtype ${dtype}, which tapegrad cannot load (it loads F32, F64, I32 and I64)`
        : `${where} has unknown dtype '${dtype}'`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isSize)) {
    throw new ValueError(
      `${where}: 'shape' must be an array of non-negative integers, got ${jsonKind(shape)}`,
    );
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
    throw new ValueError(
      `${where}: 'data_offsets' must be two non-negative integers [begin, end], got ${jsonKind(offsets)}`,
    );
  }
  const dims = shape.map(Number);
  const [begin, end] = [Number(offsets[0]), Number(offsets[1])];
  if (end < begin) {
    throw new ValueError(`${where} has data_offsets [${begin}, ${end}] with end before begin`);
  }
  let numel = 1;
  for (const d of dims) numel *= d;
  const bytes = numel * READ_SIZE[dtype];
  if (!Number.isSafeInteger(bytes)) {
    throw new ShapeError(`${where} has shape ${fmtShape(dims)}, too large to address`);
  }
  if (bytes !== end - begin) {
    throw new ShapeError(
      `${where} of dtype ${dtype} and shape ${fmtShape(dims)} needs ${bytes} bytes, but its data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  }
  return { name, dtype, shape: dims, dataOffsets: [begin, end] };
}

function isSize(v: Json | undefined): v is bigint {
  return typeof v === 'bigint' && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER);
}

/** Orders strings by Unicode code point, which is the byte order of their UTF-8 (Rust's `Ord`). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function checkWellFormed(s: string, what: string): void {
  // A lone surrogate has no UTF-8 encoding; TextEncoder would silently write U+FFFD.
  if (/\p{Cs}/u.test(s)) {
    throw new ValueError(`safetensors: ${what} ${JSON.stringify(s)} contains a lone surrogate`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') {
    const name: unknown = v.constructor?.name;
    return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return `${typeof v} ${String(v)}`;
}

// ---- a strict JSON parser -----------------------------------------------------------------------

/**
 * JSON values as the header parser returns them: objects as Maps (no prototype keys, duplicate
 * keys detected), integer literals as bigint (exact, so sizes beyond 2^53 are caught rather
 * than rounded), other numbers as number.
 */
type Json = null | boolean | number | bigint | string | Json[] | JsonObject;
type JsonObject = Map<string, Json>;

const MAX_DEPTH = 64;

/** RFC 8259 JSON, the whole text (surrounding whitespace allowed, as serde_json allows). */
function parseJson(text: string): Json {
  let i = 0;
  const fail = (what: string): never => {
    throw new ValueError(`safetensors: the header is not valid JSON: ${what} at character ${i}`);
  };
  const skipWs = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const parseString = (): string => {
    i++; // opening quote
    let out = '';
    let run = i;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(run, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(run, i);
      const e = text[i + 1];
      const simple = ESCAPES.get(e);
      if (simple !== undefined) {
        out += simple;
        i += 2;
      } else if (e === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else {
        fail('bad escape');
      }
      run = i;
    }
  };
  const parseValue = (depth: number): Json => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
    skipWs();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: JsonObject = new Map();
      skipWs();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[i] !== '"') fail('expected a string key');
        const keyAt = i;
        const key = parseString();
        if (obj.has(key)) {
          throw new ValueError(
            `safetensors: duplicate key ${JSON.stringify(key)} in the header (character ${keyAt})`,
          );
        }
        skipWs();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        obj.set(key, parseValue(depth + 1));
        skipWs();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return obj;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: Json[] = [];
      skipWs();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skipWs();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return arr;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    for (const [word, value] of LITERALS) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m === null) return fail(i >= text.length ? 'unexpected end' : 'unexpected character');
    i += m[0].length;
    return m[1] === undefined && m[2] === undefined ? BigInt(m[0]) : Number(m[0]);
  };
  const value = parseValue(0);
  skipWs();
  if (i < text.length) fail('unexpected text after the value');
  return value;
}

const ESCAPES = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);
const LITERALS: [string, Json][] = [
  ['true', true],
  ['false', false],
  ['null', null],
];
/** Groups 1 and 2 are the fraction and exponent: without them the literal is an integer. */
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

function jsonKind(v: Json | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (v instanceof Map) return 'an object';
  if (Array.isArray(v)) {
    const shown = v.slice(0, 8).map((x) => (x instanceof Map ? '{…}' : jsonKind(x)));
    return `[${shown.join(', ')}${v.length > 8 ? ', …' : ''}]`;
  }
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
