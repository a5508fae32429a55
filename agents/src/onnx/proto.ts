// Reads what the league checks in an ONNX model from its protobuf bytes, without running it: the
// operator sets it imports, every node's operator (subgraphs of Loop/If/Scan included), model-local
// functions, and tensors whose bytes live in files outside the model. A small wire-format walker:
// only the handful of ModelProto fields below are decoded, everything else is skipped by its wire
// type, and anything malformed (truncated, bad wire type, nesting past a bound) throws.
//
// Field numbers are from onnx/onnx.proto3 (ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto, OperatorSetIdProto).

export class OnnxProtoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OnnxProtoError";
  }
}

export interface OnnxOperator {
  opType: string;
  /** "" (or "ai.onnx") is the standard operator set. */
  domain: string;
}

/** A graph input or output as declared: element type (1 = float) and dimensions (a name where symbolic). */
export interface OnnxValueInfo {
  name: string;
  /** TensorProto.DataType: 1 float, 7 int64, 9 bool, 10 float16, 11 double…; 0 when not a tensor. */
  elemType: number;
  /** null when the graph declares no shape. */
  dims: (number | string)[] | null;
}

export interface OnnxModelInfo {
  irVersion: number;
  opsetImports: { domain: string; version: number }[];
  /** Every node, subgraphs included, in file order. */
  operators: OnnxOperator[];
  /** Model-local functions (ModelProto.functions): operators defined inside the file. */
  functionCount: number;
  /** Tensors (initializers and constant attributes) stored outside the file, by name. */
  externalTensors: string[];
  /** The main graph's inputs that are fed at run time (initializers listed as inputs left out). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Numbers held by the main graph's initializers (the product of each one's dims, summed). */
  parameters: number;
}

/** Deepest subgraph (Loop, If, Scan body) nesting read: policies have none, and a hostile file cannot recurse without end. */
export const MAX_GRAPH_DEPTH = 8;

const WIRE_VARINT = 0;
const WIRE_64 = 1;
const WIRE_BYTES = 2;
const WIRE_32 = 5;

interface Field {
  number: number;
  wire: number;
  /** Value of a varint field (as a number: the fields read here are small). */
  value: number;
  /** Bytes of a length-delimited field. */
  bytes: Uint8Array;
}

/** The fields of one message, in order. */
function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new OnnxProtoError("truncated varint");
      const byte = buf[pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
    throw new OnnxProtoError("varint longer than 10 bytes");
  };
  while (pos < buf.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    const wire = key % 8;
    if (number === 0) throw new OnnxProtoError("field number 0");
    const empty = buf.subarray(0, 0);
    switch (wire) {
      case WIRE_VARINT:
        yield { number, wire, value: varint(), bytes: empty };
        break;
      case WIRE_64:
        if (pos + 8 > buf.length) throw new OnnxProtoError("truncated 64-bit field");
        pos += 8;
        yield { number, wire, value: 0, bytes: empty };
        break;
      case WIRE_32:
        if (pos + 4 > buf.length) throw new OnnxProtoError("truncated 32-bit field");
        pos += 4;
        yield { number, wire, value: 0, bytes: empty };
        break;
      case WIRE_BYTES: {
        const length = varint();
        if (pos + length > buf.length)
          throw new OnnxProtoError(`field ${number} claims ${length} bytes past the end of its message`);
        yield { number, wire, value: length, bytes: buf.subarray(pos, pos + length) };
        pos += length;
        break;
      }
      default:
        // Groups (3, 4) are not used by ONNX; 6 and 7 do not exist.
        throw new OnnxProtoError(`unsupported wire type ${wire} for field ${number}`);
    }
  }
}

const text = new TextDecoder("utf-8", { fatal: false });

function stringOf(field: Field): string {
  if (field.wire !== WIRE_BYTES) throw new OnnxProtoError(`field ${field.number} is not a string`);
  return text.decode(field.bytes);
}

function message(field: Field): Uint8Array {
  if (field.wire !== WIRE_BYTES) throw new OnnxProtoError(`field ${field.number} is not a message`);
  return field.bytes;
}

/** Varints of a packed repeated field. */
function packedVarints(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let value = 0;
  let scale = 1;
  for (const byte of bytes) {
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) {
      out.push(value);
      value = 0;
      scale = 1;
    }
  }
  return out;
}

// TensorProto: 1 dims, 8 name, 13 external_data, 14 data_location (1 = EXTERNAL).
// Returns its name and element count.
function readTensor(buf: Uint8Array, info: OnnxModelInfo): { name: string; size: number } {
  let name = "";
  let external = false;
  let size = 1;
  for (const f of fields(buf)) {
    if (f.number === 1)
      size *= f.wire === WIRE_BYTES ? packedVarints(f.bytes).reduce((a, b) => a * b, 1) : f.value;
    else if (f.number === 8) name = stringOf(f);
    else if (f.number === 13) external = true;
    else if (f.number === 14 && f.wire === WIRE_VARINT && f.value === 1) external = true;
  }
  if (external) info.externalTensors.push(name || "(unnamed tensor)");
  return { name, size };
}

// ValueInfoProto: 1 name, 2 type → TypeProto 1 tensor_type → 1 elem_type, 2 shape → 1 dim →
// 1 dim_value | 2 dim_param.
function readValueInfo(buf: Uint8Array): OnnxValueInfo {
  const value: OnnxValueInfo = { name: "", elemType: 0, dims: null };
  for (const f of fields(buf)) {
    if (f.number === 1) value.name = stringOf(f);
    else if (f.number === 2)
      for (const t of fields(message(f))) {
        if (t.number !== 1) continue;
        for (const tensor of fields(message(t))) {
          if (tensor.number === 1 && tensor.wire === WIRE_VARINT) value.elemType = tensor.value;
          else if (tensor.number === 2) {
            value.dims = [];
            for (const dim of fields(message(tensor))) {
              if (dim.number !== 1) continue;
              let d: number | string = "?";
              for (const part of fields(message(dim))) {
                if (part.number === 1 && part.wire === WIRE_VARINT) d = part.value;
                else if (part.number === 2) d = stringOf(part);
              }
              value.dims.push(d);
            }
          }
        }
      }
  }
  return value;
}

// AttributeProto: 5 t (tensor), 6 g (graph), 10 tensors, 11 graphs; 22 sparse_tensor, 23 sparse_tensors
// hold their values in TensorProtos too (fields 1 values, 2 indices of SparseTensorProto).
function readAttribute(buf: Uint8Array, info: OnnxModelInfo, depth: number): void {
  for (const f of fields(buf)) {
    if (f.number === 5 || f.number === 10) readTensor(message(f), info);
    else if (f.number === 6 || f.number === 11) readGraph(message(f), info, depth + 1);
    else if (f.number === 22 || f.number === 23) readSparse(message(f), info);
  }
}

function readSparse(buf: Uint8Array, info: OnnxModelInfo): void {
  for (const f of fields(buf)) if (f.number === 1 || f.number === 2) readTensor(message(f), info);
}

// NodeProto: 4 op_type, 7 domain, 5 attribute.
function readNode(buf: Uint8Array, info: OnnxModelInfo, depth: number): void {
  let opType = "";
  let domain = "";
  const attributes: Uint8Array[] = [];
  for (const f of fields(buf)) {
    if (f.number === 4) opType = stringOf(f);
    else if (f.number === 7) domain = stringOf(f);
    else if (f.number === 5) attributes.push(message(f));
  }
  info.operators.push({ opType, domain });
  for (const attribute of attributes) readAttribute(attribute, info, depth);
}

// GraphProto: 1 node, 5 initializer, 11 input, 12 output, 15 sparse_initializer.
function readGraph(buf: Uint8Array, info: OnnxModelInfo, depth: number): void {
  if (depth > MAX_GRAPH_DEPTH) throw new OnnxProtoError(`subgraphs nest more than ${MAX_GRAPH_DEPTH} deep`);
  const initializers = new Set<string>();
  const inputs: OnnxValueInfo[] = [];
  for (const f of fields(buf)) {
    if (f.number === 1) readNode(message(f), info, depth);
    else if (f.number === 5) {
      const tensor = readTensor(message(f), info);
      initializers.add(tensor.name);
      if (depth === 0) info.parameters += tensor.size;
    } else if (f.number === 15) readSparse(message(f), info);
    else if (depth === 0 && f.number === 11) inputs.push(readValueInfo(message(f)));
    else if (depth === 0 && f.number === 12) info.outputs.push(readValueInfo(message(f)));
  }
  // Before IR version 4 initializers were also listed as inputs; they are not fed at run time.
  if (depth === 0) info.inputs = inputs.filter((input) => !initializers.has(input.name));
}

/**
 * What `bytes` (a serialised ModelProto) declares: ModelProto 1 ir_version, 7 graph,
 * 8 opset_import (OperatorSetIdProto: 1 domain, 2 version), 25 functions.
 * Throws OnnxProtoError when the bytes are not a well-formed protobuf message or hold no graph.
 */
export function inspectOnnx(bytes: Uint8Array): OnnxModelInfo {
  const info: OnnxModelInfo = {
    irVersion: 0,
    opsetImports: [],
    operators: [],
    functionCount: 0,
    externalTensors: [],
    inputs: [],
    outputs: [],
    parameters: 0,
  };
  let graphs = 0;
  for (const f of fields(bytes)) {
    if (f.number === 1 && f.wire === WIRE_VARINT) info.irVersion = f.value;
    else if (f.number === 7) {
      graphs++;
      readGraph(message(f), info, 0);
    } else if (f.number === 8) {
      let domain = "";
      let version = 0;
      for (const g of fields(message(f))) {
        if (g.number === 1) domain = stringOf(g);
        else if (g.number === 2 && g.wire === WIRE_VARINT) version = g.value;
      }
      info.opsetImports.push({ domain, version });
    } else if (f.number === 25) info.functionCount++;
  }
  if (graphs !== 1) throw new OnnxProtoError(graphs === 0 ? "no graph" : `${graphs} graphs`);
  if (info.irVersion === 0) throw new OnnxProtoError("no ir_version");
  return info;
}

/** The standard operator set: ONNX writes it as "" and sometimes as "ai.onnx". */
export function isStandardDomain(domain: string): boolean {
  return domain === "" || domain === "ai.onnx";
}
