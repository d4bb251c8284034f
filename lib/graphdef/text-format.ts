// Protocol buffer text format (what TensorFlow writes as .pbtxt), parsed and printed for any
// message type of a protobufjs schema loaded with `keepCase: true` (field names as in the
// .proto). protobufjs itself has no text format.
//
// Parsed messages are plain objects keyed by protobuf JSON (camelCase) names holding: strings,
// Uint8Array (bytes), booleans, enum numbers, numbers (32-bit ints, floats), Int64 (64-bit
// ints), arrays (repeated), Record<string, ...> (maps) and nested objects. The printer takes
// the same shape and writes what Python's `text_format.MessageToString` writes.
import * as protobuf from 'protobufjs';
import { GraphDefError, type Int64 } from './types';

type Plain = Record<string, unknown>;
const MAX_DEPTH = 100;

/** A field's protobuf JSON name: snake_case to lowerCamelCase. */
export function jsonName(name: string): string {
  let json = jsonNames.get(name);
  if (json === undefined) jsonNames.set(name, json = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
  return json;
}
const jsonNames = new Map<string, string>();

/** The key type of a map field ('string', 'uint32', ...). */
export function mapKeyType(field: protobuf.Field): string {
  return (field as unknown as protobuf.MapField).keyType;
}

const sortedCache = new WeakMap<protobuf.Type, protobuf.Field[]>();
/** A message type's fields in field-number order (the order text format and the wire use). */
export function fieldsById(type: protobuf.Type): protobuf.Field[] {
  let fields = sortedCache.get(type);
  if (!fields) sortedCache.set(type, fields = [...type.fieldsArray].sort((a, b) => a.id - b.id));
  return fields;
}

/** Inclusive ranges of the integer field types, and whether they are 64-bit. */
export const INT_RANGES: Record<string, { min: bigint; max: bigint; wide: boolean }> = {};
for (const t of ['int32', 'sint32', 'sfixed32']) INT_RANGES[t] = { min: -(2n ** 31n), max: 2n ** 31n - 1n, wide: false };
for (const t of ['uint32', 'fixed32']) INT_RANGES[t] = { min: 0n, max: 2n ** 32n - 1n, wide: false };
for (const t of ['int64', 'sint64', 'sfixed64']) INT_RANGES[t] = { min: -(2n ** 63n), max: 2n ** 63n - 1n, wide: true };
for (const t of ['uint64', 'fixed64']) INT_RANGES[t] = { min: 0n, max: 2n ** 64n - 1n, wide: true };

/** A 64-bit integer as a number when that is exact, else as a bigint. */
export function toInt64(v: bigint): Int64 {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

interface Token {
  kind: 'id' | 'num' | 'str' | 'punct' | 'eof';
  text: string;
  bytes?: Uint8Array;   // decoded content of a 'str' token
  line: number;
  column: number;
}

const SIMPLE_ESCAPES: Record<string, number> = {
  n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63,
};
const ID_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUM_RE = /0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF]?/y;

class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  constructor(private readonly src: string) {}

  fail(message: string, line = this.line, column = this.pos - this.lineStart + 1): never {
    throw new GraphDefError(`text format: ${message}`, { line, column });
  }

  next(): Token {
    const s = this.src;
    // whitespace and '#' comments
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c === '\n') { this.pos++; this.line++; this.lineStart = this.pos; }
      else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') this.pos++;
      else if (c === '#') { while (this.pos < s.length && s[this.pos] !== '\n') this.pos++; }
      else break;
    }
    const line = this.line, column = this.pos - this.lineStart + 1;
    if (this.pos >= s.length) return { kind: 'eof', text: '', line, column };
    const c = s[this.pos];
    const tok = (kind: Token['kind'], text: string): Token => ({ kind, text, line, column });
    if (c === '"' || c === "'") return { ...tok('str', ''), bytes: this.string(c) };
    if ('{}<>[]:,;-'.includes(c)) { this.pos++; return tok('punct', c); }
    for (const [re, kind] of [[NUM_RE, 'num'], [ID_RE, 'id']] as const) {
      re.lastIndex = this.pos;
      const m = re.exec(s);
      if (!m) continue;
      this.pos += m[0].length;
      if (kind === 'num' && /[A-Za-z0-9_.]/.test(s[this.pos] ?? '')) this.fail(`malformed number '${m[0]}${s[this.pos]}'`, line, column);
      return tok(kind, m[0]);
    }
    return this.fail(`unexpected character '${c}'`);
  }

  /** A quoted string with C escapes, as bytes (non-ASCII characters as UTF-8). */
  private string(quote: string): Uint8Array {
    const s = this.src, q = quote.charCodeAt(0);
    const line = this.line, column = this.pos - this.lineStart + 1;
    let out = new Uint8Array(64), n = 0;
    const push = (b: number): void => {
      if (n === out.length) { const bigger = new Uint8Array(n * 2); bigger.set(out); out = bigger; }
      out[n++] = b;
    };
    const isOctal = (i: number): boolean => s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 55;
    this.pos++;
    for (;;) {
      const code = s.charCodeAt(this.pos);   // NaN past the end
      if (Number.isNaN(code) || code === 10) this.fail('unterminated string', line, column);
      if (code === q) { this.pos++; break; }
      if (code < 0x80 && code !== 92) { push(code); this.pos++; continue; }
      if (code !== 92) {
        const cp = s.codePointAt(this.pos)!;
        this.pos += cp > 0xffff ? 2 : 1;
        utf8Bytes(cp, push);
        continue;
      }
      const escAt = this.pos++;
      const fail: (message: string) => never = (message) => this.fail(message, this.line, escAt - this.lineStart + 1);
      const e = s[this.pos++] ?? '';
      if (e in SIMPLE_ESCAPES) push(SIMPLE_ESCAPES[e]);
      else if (isOctal(this.pos - 1)) {
        let v = Number(e);
        for (let k = 0; k < 2 && isOctal(this.pos); k++) v = v * 8 + Number(s[this.pos++]);
        if (v > 255) fail(`octal escape \\${v.toString(8)} is above \\377`);
        push(v);
      } else if (e === 'x' || e === 'X') {
        const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(this.pos, this.pos + 2));
        if (!m) fail('\\x escape without hex digits');
        this.pos += m[0].length;
        push(parseInt(m[0], 16));
      } else if (e === 'u' || e === 'U') {
        const len = e === 'u' ? 4 : 8, hex = s.slice(this.pos, this.pos + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex) || parseInt(hex, 16) > 0x10ffff) fail(`bad \\${e} escape`);
        this.pos += len;
        utf8Bytes(parseInt(hex, 16), push);
      } else fail(`unknown escape '\\${e}'`);
    }
    return out.slice(0, n);
  }
}

function utf8Bytes(cp: number, push: (b: number) => void): void {
  if (cp < 0x80) push(cp);
  else if (cp < 0x800) { push(0xc0 | (cp >> 6)); push(0x80 | (cp & 63)); }
  else if (cp < 0x10000) { push(0xe0 | (cp >> 12)); push(0x80 | ((cp >> 6) & 63)); push(0x80 | (cp & 63)); }
  else { push(0xf0 | (cp >> 18)); push(0x80 | ((cp >> 12) & 63)); push(0x80 | ((cp >> 6) & 63)); push(0x80 | (cp & 63)); }
}

// ---------------------------------------------------------------------------------------------
// Parser

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Parser {
  private readonly lexer: Lexer;
  private tok: Token;
  constructor(text: string) {
    this.lexer = new Lexer(text);
    this.tok = this.lexer.next();
  }

  private fail(message: string, at: Token = this.tok): never {
    return this.lexer.fail(message, at.line, at.column);
  }
  private advance(): Token {
    const t = this.tok;
    this.tok = this.lexer.next();
    return t;
  }
  private isPunct(p: string): boolean { return this.tok.kind === 'punct' && this.tok.text === p; }
  private accept(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.advance();
    return true;
  }
  private expect(p: string, what: string): void {
    if (!this.accept(p)) this.fail(`expected '${p}' ${what}, found ${describe(this.tok)}`);
  }

  /** Fields up to `close` ('}', '>' or end of input for the top level). */
  message(type: protobuf.Type, close: string, depth: number): Plain {
    if (depth > MAX_DEPTH) this.fail(`messages nested more than ${MAX_DEPTH} deep`);
    const out: Plain = {};
    const oneofs = new Map<string, string>();
    for (;;) {
      if (close === '' ? this.tok.kind === 'eof' : this.isPunct(close)) { this.advance(); return out; }
      if (this.tok.kind !== 'id') this.fail(`expected a field name${close ? ` or '${close}'` : ''}, found ${describe(this.tok)}`);
      const nameTok = this.advance();
      const field = type.fields[nameTok.text];
      if (!field) this.fail(`no field named '${nameTok.text}' in ${type.fullName.slice(1)}`, nameTok);
      field.resolve();
      if (field.partOf) {
        const other = oneofs.get(field.partOf.name);
        if (other !== undefined && other !== field.name) this.fail(`'${other}' and '${field.name}' are both set, but only one member of oneof '${field.partOf.name}' may be`, nameTok);
        oneofs.set(field.partOf.name, field.name);
      }
      const isMessage = field.map || field.resolvedType instanceof protobuf.Type;
      const one = (): unknown => (isMessage ? this.messageValue(field, depth) : this.scalar(field.type, field.resolvedType));
      let values: unknown[];
      if (isMessage) this.accept(':');
      else this.expect(':', `after '${field.name}'`);
      if (this.isPunct('[')) {
        if (!field.repeated && !field.map) this.fail(`'${field.name}' is not repeated; a [...] list cannot set it`);
        this.advance();
        values = [];
        if (!this.accept(']')) {
          do values.push(one()); while (this.accept(','));
          this.expect(']', 'to close the list');
        }
      } else values = [one()];

      const key = jsonName(field.name);
      if (field.map) {
        const map = (out[key] ??= {}) as Plain;
        for (const [k, v] of values as [string, unknown][]) map[k] = v;
      } else if (field.repeated) ((out[key] ??= []) as unknown[]).push(...values);
      else if (key in out) this.fail(`'${field.name}' is set twice, but it is not repeated`, nameTok);
      else out[key] = values[0];
      if (!this.accept(',')) this.accept(';');
    }
  }

  /** `{ ... }` or `< ... >`: a nested message, or for a map field one [key, value] entry. */
  private messageValue(field: protobuf.Field, depth: number): unknown {
    const close = this.accept('{') ? '}' : this.accept('<') ? '>' : this.fail(`expected '{' or '<' after '${field.name}', found ${describe(this.tok)}`);
    if (!field.map) return this.message(field.resolvedType as protobuf.Type, close, depth + 1);

    const keyType = mapKeyType(field);
    const valueType = field.resolvedType instanceof protobuf.Type ? field.resolvedType : null;
    let key: unknown, value: unknown;
    while (!this.accept(close)) {
      if (this.tok.kind === 'eof') this.fail(`expected '${close}' to close the '${field.name}' entry`);
      const name = this.advance();
      if (name.kind !== 'id' || (name.text !== 'key' && name.text !== 'value')) this.fail(`expected 'key' or 'value' in a '${field.name}' entry, found ${describe(name)}`, name);
      if ((name.text === 'key' ? key : value) !== undefined) this.fail(`'${name.text}' is set twice in a '${field.name}' entry`, name);
      if (name.text === 'key') {
        this.expect(':', "after 'key'");
        key = this.scalar(keyType, null);
      } else if (valueType) {
        this.accept(':');
        const c = this.accept('{') ? '}' : this.accept('<') ? '>' : this.fail(`expected '{' after 'value', found ${describe(this.tok)}`);
        value = this.message(valueType, c, depth + 2);
      } else {
        this.expect(':', "after 'value'");
        value = this.scalar(field.type, field.resolvedType);
      }
      if (!this.accept(',')) this.accept(';');
    }
    if (key === undefined) key = keyType === 'string' ? '' : 0;
    if (value === undefined) value = valueType ? {} : defaultScalar(field.type);
    return [String(key), value];
  }

  /** One scalar value of a field of protobuf type `type` (enum when `en` is an Enum). */
  private scalar(type: string, en: protobuf.ReflectionObject | null): unknown {
    const start = this.tok;
    if (type === 'string' || type === 'bytes') {
      if (start.kind !== 'str') this.fail(`expected a quoted string, found ${describe(start)}`);
      const parts: Uint8Array[] = [];
      while (this.tok.kind === 'str') parts.push(this.advance().bytes!);   // "a" "b" is "ab"
      const bytes = concat(parts);
      if (type === 'bytes') return bytes;
      try { return utf8.decode(bytes); } catch { return this.fail('string field holds invalid UTF-8', start); }
    }
    if (type === 'bool') {
      const t = this.advance();
      if (t.kind === 'id' && ['true', 'True', 't'].includes(t.text)) return true;
      if (t.kind === 'id' && ['false', 'False', 'f'].includes(t.text)) return false;
      if (t.kind === 'num' && (t.text === '1' || t.text === '0')) return t.text === '1';
      return this.fail(`expected true or false, found ${describe(t)}`, t);
    }
    const negative = this.accept('-');
    const t = this.advance();
    if (type === 'float' || type === 'double') {
      let v: number;
      if (t.kind === 'num' && !/^0[xX]/.test(t.text)) v = Number(t.text.replace(/[fF]$/, ''));
      else if (t.kind === 'id' && /^(inf|infinity)f?$/i.test(t.text)) v = Infinity;
      else if (t.kind === 'id' && /^nanf?$/i.test(t.text)) v = NaN;
      else return this.fail(`expected a number, found ${describe(t)}`, t);
      if (negative) v = -v;
      return type === 'float' ? Math.fround(v) : v;
    }
    if (en instanceof protobuf.Enum && t.kind === 'id' && !negative) {
      if (!Object.prototype.hasOwnProperty.call(en.values, t.text)) this.fail(`'${t.text}' is not a value of enum ${en.fullName.slice(1)}`, t);
      return en.values[t.text];
    }
    const range = en instanceof protobuf.Enum ? INT_RANGES.int32 : INT_RANGES[type];
    if (!range) return this.fail(`cannot parse a value of type '${type}'`, t);
    if (t.kind !== 'num' || !/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(t.text)) return this.fail(`expected an integer, found ${describe(t)}`, t);
    const octal = t.text.length > 1 && t.text[0] === '0' && /^[0-7]+$/.test(t.text);
    const magnitude = BigInt(octal ? `0o${t.text.slice(1)}` : t.text);
    const v = negative ? -magnitude : magnitude;
    if (v < range.min || v > range.max) this.fail(`${negative ? '-' : ''}${t.text} is out of range for ${en ? 'an enum' : type}`, t);
    return range.wide ? toInt64(v) : Number(v);
  }
}

function describe(t: Token): string {
  return t.kind === 'eof' ? 'end of input' : t.kind === 'str' ? 'a string' : `'${t.text}'`;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function defaultScalar(type: string): unknown {
  return type === 'string' ? '' : type === 'bytes' ? new Uint8Array(0) : type === 'bool' ? false : 0;
}

/**
 * Parses protobuf text format into a plain object of message type `type` (see the top of this
 * file). Throws GraphDefError with line and column on a syntax error, an unknown field or enum
 * name, an out-of-range value, or a non-repeated field set twice.
 */
export function parseTextFormat(type: protobuf.Type, text: string): Record<string, unknown> {
  return new Parser(text).message(type, '', 0);
}

// ---------------------------------------------------------------------------------------------
// Printer

/** Each byte as Python's text_format escapes it: printable ASCII as is, the rest octal. */
const ESCAPED: string[] = Array.from({ length: 256 }, (_, b) => {
  const named: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r', 34: '\\"', 39: "\\'", 92: '\\\\' };
  if (named[b]) return named[b];
  return b >= 32 && b < 127 ? String.fromCharCode(b) : '\\' + b.toString(8).padStart(3, '0');
});

/** C-style escaping of bytes as Python's text_format does it. */
export function cEscape(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 8192) {
    let s = '';
    for (const b of bytes.subarray(i, i + 8192)) s += ESCAPED[b];
    parts.push(s);
  }
  return parts.join('');
}

/** A double as Python's repr() writes it ("1.0", "0.0001", "1e-05", "1.5e+16", "inf"). */
export function pythonFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const [mantissa, exp] = v.toExponential().split('e');   // shortest round-trip digits
  const e = Number(exp);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace(/[-.]/g, '');
  if (e < -4 || e >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  const int = digits.slice(0, e + 1).padEnd(e + 1, '0'), frac = digits.slice(e + 1);
  return `${sign}${int}.${frac || '0'}`;
}

/** A float32 value as Python's text_format prints it: the fewest digits (at least 6) that read back. */
export function pythonFloat32(v: number): string {
  if (!Number.isFinite(v) || v === 0) return pythonFloat(v);
  for (let p = 6; p < 9; p++) {
    const r = Number(v.toPrecision(p));
    if (Math.fround(r) === v) return pythonFloat(r);
  }
  return pythonFloat(Number(v.toPrecision(9)));
}

/**
 * A string field's value escaped as Python's text_format (as_utf8, its default) does: non-ASCII
 * characters as they are, quotes, backslashes and control characters escaped.
 */
export function escapeString(s: string): string {
  return s.replace(/[\x00-\x1f\x7f"'\\]/g, (c) => cEscape(Uint8Array.of(c.charCodeAt(0))));
}

function formatScalar(type: string, en: protobuf.ReflectionObject | null, v: unknown): string {
  if (type === 'string') return `"${escapeString(v as string)}"`;
  if (type === 'bytes') return `"${cEscape(v as Uint8Array)}"`;
  if (type === 'bool') return v ? 'true' : 'false';
  if (type === 'float') return pythonFloat32(v as number);
  if (type === 'double') return pythonFloat(v as number);
  if (en instanceof protobuf.Enum) return en.valuesById[v as number] ?? String(v);
  return String(v);
}

function isDefaultScalar(v: unknown): boolean {
  return v === '' || v === false || Object.is(v, 0) || (v instanceof Uint8Array && v.length === 0);
}

function printMessage(type: protobuf.Type, obj: Plain, indent: string, out: string[]): void {
  for (const field of fieldsById(type)) {
    const v = obj[jsonName(field.name)];
    if (v === undefined) continue;
    field.resolve();
    const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType : null;
    const line = (value: unknown, name = field.name, ind = indent): void => {
      if (sub) {
        out.push(`${ind}${name} {\n`);
        printMessage(sub, value as Plain, ind + '  ', out);
        out.push(`${ind}}\n`);
      } else out.push(`${ind}${name}: ${formatScalar(field.type, field.resolvedType, value)}\n`);
    };
    if (field.map) {
      const keyType = mapKeyType(field);
      const entries = Object.entries(v as Plain);
      entries.sort(([a], [b]) => keyType === 'string' ? (a < b ? -1 : a > b ? 1 : 0) : Number(BigInt(a) - BigInt(b)));
      for (const [k, value] of entries) {
        out.push(`${indent}${field.name} {\n`);
        const key = keyType === 'string' ? k : Number(k);
        if (!isDefaultScalar(key)) out.push(`${indent}  key: ${formatScalar(keyType, null, key)}\n`);
        if (sub || !isDefaultScalar(value)) line(value, 'value', indent + '  ');
        out.push(`${indent}}\n`);
      }
    } else if (field.repeated) for (const e of v as unknown[]) line(e);
    else if (sub || field.partOf || !isDefaultScalar(v)) line(v);   // proto3: defaults are not printed
  }
}

/**
 * Prints a plain object of message type `type` in protobuf text format, as Python's
 * `text_format.MessageToString` does: fields in field-number order, map entries sorted by key,
 * two-space indentation, floats in their shortest form, bytes C-escaped (octal beyond ASCII),
 * strings as UTF-8 with quotes and control characters escaped.
 * Absent fields and proto3 defaults (other than oneof members) are not printed; values are
 * printed as given (normalize first).
 */
export function printTextFormat(type: protobuf.Type, obj: Record<string, unknown>): string {
  const out: string[] = [];
  printMessage(type, obj, '', out);
  return out.join('');
}
