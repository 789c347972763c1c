// fast-check arbitraries for hostile requests: values derived from an operation's JSON schema (so many cases get
// past validation into the handler) mixed with junk — wrong types, boundary, huge, negative and fractional numbers,
// nulls, arrays for objects, 10k-character strings, control and bidi characters, Object.prototype member names as
// keys at every level of the query and body, forged cursors, wrong content types and junk path parameters.
import fc from "fast-check";
import type { Operation, Param, Resolve, Schema } from "./openapi.ts";
import { type Json, PROTO_KEYS, POISON, jsonText, obj, poisonEverywhere, queryText, raw, str } from "./json.ts";

export { PROTO_KEYS };

/** Strings that have broken parsers, validators, SQL, logs or terminals somewhere. */
export const HOSTILE_STRINGS = [
  "", " ", "\u0000", "\u0007\u001b[31m", "\r\n", "\t", "\u007f\u0085",
  "\u202eevil\u202c", "\u2066\u2067\u2068\u2069", "\u200f\u200e\u061c", "\ufeff", "\ud800", "\udfff\ud800",
  "ｆｕｌｌ", "١٢٣", "𝟙𝟚𝟛", "🙂", "Z̴̧͇a̶l̷g̸o̵",
  "'; DROP TABLE users; --", "\" OR 1=1 --", "../../../etc/passwd", "..%2f..%2f", "%00", "%", "%E0%A4%A",
  "<script>alert(1)</script>", "${7*7}", "{{7*7}}", "\\", '"', "null", "undefined", "NaN", "Infinity", "true", "[]", "{}",
  "-1", "0", "1e309", "0x1F", "1_000", "９９", "-0", "2026-02-30", "0000-00-00", "9999-12-31T23:59:59Z", "+6281234567890", "3171234567890001",
  ...PROTO_KEYS,
  "x".repeat(10_000),
  "é".repeat(5_000),
  "🙂".repeat(2_500),
  "\u202e".repeat(1_000),
];

/** Number tokens: negative, fractional, huge, overflowing, denormal, unsafe integers. */
export const NUMBER_TOKENS = ["0", "-0", "-1", "1", "0.5", "-0.5", "1.0", "1e3", "1e308", "1e400", "-1e400", "9007199254740993", "123456789012345678901234567890", "2147483648", "-2147483649", "1e-400", "4.9e-324"];

/** Bodies that are not JSON, or JSON no parser should be asked to build. */
export const MALFORMED_BODIES = ["", "{", "nul", "[1,", '{"a":1}garbage', "\u0000", "\ufeff{}", "{'a':1}", '{"a":01}', '{"a":NaN}', '"\\ud800"', "[".repeat(100_000) + "]".repeat(100_000), '{"a":'.repeat(20_000) + "1" + "}".repeat(20_000)];

export const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=zzz",
  "application/xml",
  "application/problem+json",
  "application/vnd.api+json",
  "*/*",
  "",
  "application/json, text/plain",
];

const b64 = (s: string) => Buffer.from(s).toString("base64url");
/** Cursors a client could forge: wrong shapes, prototype keys, other APIs' formats, huge. */
export const FORGED_CURSORS = [
  b64('{"s":"id","d":"asc","v":{"__proto__":{"eq":1}},"id":[]}'),
  b64('{"__proto__":{"s":"id","d":"asc","v":1,"id":"x"}}'),
  b64('{"s":"__proto__","d":"asc","v":null,"id":"x"}'),
  b64('{"constructor":{"prototype":{"eq":1}}}'),
  b64("[1,\"x\"]"),
  b64("[9007199254740993,{\"__proto__\":1}]"),
  b64("o:-1"),
  b64("o:99999999999999999999"),
  b64("null"),
  "====",
  "%ZZ",
  "x".repeat(10_000),
];

/** Query parameters aimed at every key-building code path: filters, sorts, nested keys, limits. */
export const POISON_QUERY: [string, string][] = [
  ["filter[__proto__]", "x"],
  ["filter[__proto__][eq]", "x"],
  ["filter[constructor][eq]", "x"],
  ["filter[constructor][prototype]", "x"],
  ["filter[toString]", "x"],
  ["filter[hasOwnProperty][in]", "a,b"],
  ["filter[prototype][gte]", "1"],
  ["filter[status][__proto__]", "x"],
  ["sort", "__proto__"],
  ["sort", "-constructor"],
  ["sort", "+toString"],
  ["__proto__", "x"],
  ["__proto__[eq]", "x"],
  ["constructor[prototype][polluted]", "1"],
  ["limit", "-1"],
  ["limit", "1e9"],
  ["limit", "0.5"],
  ["limit", "99999999999999999999999"],
  ["count", "__proto__"],
];

const junkString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const scalar: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(raw("null")),
  fc.constantFrom(raw("true"), raw("false")),
  fc.constantFrom(...NUMBER_TOKENS).map(raw),
  fc.integer().map((n) => raw(String(n))),
  junkString.map(str),
);

/** Any JSON at all, with prototype keys and the poison object among the object keys and values. */
export const junkJson: fc.Arbitrary<Json> = fc.letrec<{ node: Json; arr: Json; o: Json }>((tie) => ({
  node: fc.oneof({ maxDepth: 3, depthSize: "small" }, scalar, tie("arr"), tie("o"), fc.constant<Json>(POISON)),
  arr: fc.array(tie("node"), { maxLength: 3 }).map((arr): Json => ({ arr })),
  o: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PROTO_KEYS), junkString), tie("node")), { maxLength: 3 }).map((entries): Json => ({ obj: entries })),
})).node;

/** Context the generators draw realistic values from (ids that exist, enum-like words), so some cases go deep. */
export interface GenContext {
  resolve: Resolve;
  /** Real values by parameter or property name (e.g. name → record names, productId → the reference product). */
  known: Record<string, string[]>;
}

/** Real values for a parameter or property name, keeping those its (string) schema accepts. */
function knownFor(ctx: GenContext, name: string | undefined, schema?: Schema): string[] {
  const all = name && Object.hasOwn(ctx.known, name) ? ctx.known[name] : [];
  const s = schema ? ctx.resolve(schema) : {};
  return all.filter(
    (v) =>
      (typeof s.minLength !== "number" || v.length >= s.minLength) &&
      (typeof s.maxLength !== "number" || v.length <= s.maxLength) &&
      (typeof s.pattern !== "string" || new RegExp(s.pattern, "u").test(v)) &&
      (!Array.isArray(s.enum) || s.enum.includes(v)),
  );
}

function typesOf(s: Schema): string[] {
  if (Array.isArray(s.type)) return s.type;
  if (typeof s.type === "string") return [s.type];
  if (s.properties) return ["object"];
  return [];
}

function stringFromSchema(s: Schema, ctx: GenContext, name?: string): fc.Arbitrary<Json> {
  const opts: fc.Arbitrary<string>[] = [];
  const examples = [s.example, s.default, ...(Array.isArray(s.examples) ? s.examples : [])].filter((x) => typeof x === "string");
  const known = knownFor(ctx, name, s);
  if (examples.length) opts.push(fc.constantFrom(...examples));
  if (known.length) opts.push(fc.constantFrom(...known));
  if (s.format === "date") opts.push(fc.date({ min: new Date("1900-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)));
  if (s.format === "date-time") opts.push(fc.date({ min: new Date("1900-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString()));
  if (s.format === "email") opts.push(fc.emailAddress());
  const min = typeof s.minLength === "number" ? s.minLength : 0;
  const max = typeof s.maxLength === "number" ? s.maxLength : undefined;
  if (min > 0) opts.push(fc.constant("a".repeat(min - 1)));
  if (max !== undefined) opts.push(fc.constantFrom("a".repeat(max), "a".repeat(max + 1)));
  opts.push(fc.string({ minLength: min, maxLength: Math.max(min, Math.min(max ?? 30, 30)) }));
  opts.push(junkString);
  return fc.oneof(...opts).map(str);
}

function numberFromSchema(s: Schema, integer: boolean): fc.Arbitrary<Json> {
  const lo = typeof s.minimum === "number" ? s.minimum : typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum : undefined;
  const hi = typeof s.maximum === "number" ? s.maximum : typeof s.exclusiveMaximum === "number" ? s.exclusiveMaximum : undefined;
  const edges = [lo, hi].filter((x): x is number => x !== undefined).flatMap((x) => [x - 1, x, x + 1]);
  const opts: fc.Arbitrary<Json>[] = [fc.constantFrom(...NUMBER_TOKENS).map(raw)];
  if (edges.length) opts.push(fc.constantFrom(...edges).map((n) => raw(String(n))));
  if (typeof s.example === "number") opts.push(fc.constant(raw(String(s.example))));
  if (integer) opts.push(fc.integer({ min: Math.max(lo ?? -1_000_000, -1e15), max: Math.min(hi ?? 1e9, 1e15) }).map((n) => raw(String(n))));
  else opts.push(fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => raw(String(n))));
  return fc.oneof(...opts);
}

/** A value shaped by the schema (mostly), with junk swapped in at any level. */
export function fromSchema(schema: Schema | undefined, ctx: GenContext, depth = 0, name?: string): fc.Arbitrary<Json> {
  const s = ctx.resolve(schema);
  const alts: fc.Arbitrary<Json>[] = [];
  if (depth < 6) {
    for (const k of ["anyOf", "oneOf"]) if (Array.isArray(s[k])) alts.push(...s[k].map((x: Schema) => fromSchema(x, ctx, depth + 1, name)));
    if (Array.isArray(s.allOf)) {
      const merged: Schema = { type: "object", properties: {}, required: [] };
      for (const part of s.allOf.map(ctx.resolve)) {
        Object.assign(merged.properties, part.properties ?? {});
        merged.required.push(...(part.required ?? []));
      }
      alts.push(fromSchema(merged, ctx, depth + 1, name));
    }
  }
  if (Array.isArray(s.enum) && s.enum.length) alts.push(fc.constantFrom(...s.enum).map((v) => raw(JSON.stringify(v))));
  if (Object.hasOwn(s, "const")) alts.push(fc.constant(raw(JSON.stringify(s.const))));
  if (!s.enum && !Object.hasOwn(s, "const")) {
    for (const t of typesOf(s)) {
      if (t === "object" && depth < 6) alts.push(objectFromSchema(s, ctx, depth));
      else if (t === "array" && depth < 6) {
        const max = typeof s.maxItems === "number" ? s.maxItems : undefined;
        alts.push(fc.array(fromSchema(s.items, ctx, depth + 1, name), { maxLength: Math.min(max ?? 3, 3) }).map((arr): Json => ({ arr })));
        if (max !== undefined && max < 200) alts.push(fromSchema(s.items, ctx, depth + 1, name).map((item): Json => ({ arr: Array.from({ length: max + 1 }, () => item) })));
      } else if (t === "string") alts.push(stringFromSchema(s, ctx, name));
      else if (t === "integer") alts.push(numberFromSchema(s, true));
      else if (t === "number") alts.push(numberFromSchema(s, false));
      else if (t === "boolean") alts.push(fc.constantFrom(raw("true"), raw("false")));
      else if (t === "null") alts.push(fc.constant(raw("null")));
    }
  }
  if (alts.length === 0) return junkJson;
  const shaped = fc.oneof(...alts);
  return fc.oneof({ weight: 8, arbitrary: shaped }, { weight: 1, arbitrary: junkJson });
}

function objectFromSchema(s: Schema, ctx: GenContext, depth: number): fc.Arbitrary<Json> {
  const required = new Set<string>(Array.isArray(s.required) ? s.required : []);
  const props = Object.entries<Schema>(s.properties ?? {});
  const fields = props.map(([k, ps]) => fc.option(fromSchema(ps, ctx, depth + 1, k), { freq: required.has(k) ? 12 : 2, nil: null }).map((v) => (v === null ? null : ([k, v] as [string, Json]))));
  const extra = fc.array(fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS) }, { weight: 1, arbitrary: junkString }), junkJson), { maxLength: 2 });
  return fc.tuple(fc.tuple(...fields), extra, fc.boolean()).map(([fs, ex, first]): Json => {
    const own = fs.filter((x): x is [string, Json] => x !== null);
    return { obj: first ? [...ex, ...own] : [...own, ...ex] };
  });
}

/** A plain JSON value as a tree. */
export function toJson(v: unknown): Json {
  if (Array.isArray(v)) return { arr: v.map(toJson) };
  if (v !== null && typeof v === "object") return { obj: Object.entries(v).map(([k, x]) => [k, toJson(x)] as [string, Json]) };
  return raw(JSON.stringify(v) ?? "null");
}

/** A value the schema accepts (as far as the schema can tell), so a request reaches the handler's own checks. */
export function conforming(schema: Schema | undefined, ctx: GenContext, depth = 0, name?: string): fc.Arbitrary<Json> {
  const s = ctx.resolve(schema);
  const alts: fc.Arbitrary<Json>[] = [];
  if (s.example !== undefined && typeof s.example === "object") alts.push(fc.constant(toJson(s.example)));
  for (const k of ["anyOf", "oneOf"]) if (Array.isArray(s[k]) && depth < 6) alts.push(...s[k].map((x: Schema) => conforming(x, ctx, depth + 1, name)));
  if (Array.isArray(s.enum) && s.enum.length) return fc.constantFrom(...s.enum).map(toJson);
  if (Object.hasOwn(s, "const")) return fc.constant(toJson(s.const));
  for (const t of typesOf(s)) {
    if (t === "object" && depth < 6) {
      const required = new Set<string>(Array.isArray(s.required) ? s.required : []);
      const fields = Object.entries<Schema>(s.properties ?? {}).map(([k, ps]) =>
        required.has(k) ? conforming(ps, ctx, depth + 1, k).map((v) => [k, v] as [string, Json]) : fc.option(conforming(ps, ctx, depth + 1, k).map((v) => [k, v] as [string, Json]), { nil: null }),
      );
      alts.push(fc.tuple(...fields).map((fs): Json => ({ obj: fs.filter((x): x is [string, Json] => x !== null) })));
    } else if (t === "array" && depth < 6) {
      const min = typeof s.minItems === "number" ? s.minItems : 0;
      const max = Math.max(min, Math.min(typeof s.maxItems === "number" ? s.maxItems : 3, 3));
      alts.push(fc.array(conforming(s.items, ctx, depth + 1, name), { minLength: min, maxLength: max }).map((arr): Json => ({ arr })));
    } else if (t === "string") {
      const min = typeof s.minLength === "number" ? s.minLength : 0;
      const max = typeof s.maxLength === "number" ? s.maxLength : 40;
      const fits = (x: unknown): x is string => typeof x === "string" && x.length >= min && x.length <= max && (!s.pattern || new RegExp(s.pattern, "u").test(x));
      const picks = [s.example, s.default, ...knownFor(ctx, name)].filter(fits);
      const strs: fc.Arbitrary<string>[] = [];
      if (picks.length) strs.push(fc.constantFrom(...picks));
      if (s.pattern) strs.push(fc.stringMatching(new RegExp(s.pattern, "u")).filter(fits));
      else strs.push(fc.string({ minLength: min, maxLength: Math.min(max, Math.max(min, 30)) }));
      alts.push(fc.oneof(...strs).map(str));
    } else if (t === "integer" || t === "number") {
      const lo = typeof s.minimum === "number" ? s.minimum : typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum + 1 : -1_000_000;
      const hi = typeof s.maximum === "number" ? s.maximum : typeof s.exclusiveMaximum === "number" ? s.exclusiveMaximum - 1 : 1_000_000_000;
      const nums: fc.Arbitrary<number>[] = [fc.integer({ min: Math.ceil(Math.max(lo, -1e15)), max: Math.floor(Math.min(hi, 1e15)) })];
      if (typeof s.example === "number") nums.push(fc.constant(s.example));
      alts.push(fc.oneof(...nums).map((n) => raw(String(n))));
    } else if (t === "boolean") alts.push(fc.constantFrom(raw("true"), raw("false")));
    else if (t === "null") alts.push(fc.constant(raw("null")));
  }
  return alts.length ? fc.oneof(...alts) : fc.constant(raw("null"));
}

/** Every node of the tree, each with a function that rebuilds the tree with that node replaced. */
function nodes(j: Json, rebuild: (x: Json) => Json = (x) => x): { node: Json; replace: (x: Json) => Json }[] {
  const out = [{ node: j, replace: rebuild }];
  if ("arr" in j) j.arr.forEach((child, i) => out.push(...nodes(child, (x) => rebuild({ arr: j.arr.map((c, k) => (k === i ? x : c)) }))));
  if ("obj" in j) j.obj.forEach(([key, child], i) => out.push(...nodes(child, (x) => rebuild({ obj: j.obj.map((e, k) => (k === i ? [key, x] : e)) }))));
  return out;
}

/** A conforming value with exactly one node replaced by junk (or given prototype keys): one wrong thing at a time. */
export function mutatedOnce(schema: Schema | undefined, ctx: GenContext): fc.Arbitrary<Json> {
  return fc.tuple(conforming(schema, ctx), junkJson, fc.nat(), fc.boolean()).map(([value, junk, pick, addKeys]) => {
    const all = nodes(value);
    const { node, replace } = all[pick % all.length];
    if (addKeys && "obj" in node) return replace({ obj: [...POISON.obj, ...node.obj] });
    return replace(junk);
  });
}

// ---------------------------------------------------------------- requests

export type FormPart = { name: string; value: string } | { name: string; file: { filename: string; type: string; bytes: Uint8Array } };

export interface Case {
  /** Concrete path with parameters substituted (already percent-encoded). */
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  body?: { text: string } | { form: FormPart[] };
}

/** A path segment as a client would send it; strings encodeURIComponent refuses (lone surrogates) go out as raw bytes. */
export function segment(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return "%ED%A0%80";
  }
}

export function queryString(pairs: [string, string][]): string {
  if (pairs.length === 0) return "";
  const enc = (s: string) => segment(s).replace(/%5B/g, "[").replace(/%5D/g, "]");
  return "?" + pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join("&");
}

/** Header values fetch can carry: visible Latin-1 only (control characters are refused by the client itself). */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e\xa0-\xff]/g, "?").slice(0, 4000);

function pathArb(op: Operation, ctx: GenContext): fc.Arbitrary<string> {
  const params = op.params.filter((p) => p.in === "path");
  const names = params.map((p) => p.name);
  if (names.length === 0) return fc.constant(op.path);
  const values = params.map(({ name: n, schema }) => {
    const known = knownFor(ctx, n, schema);
    return fc.oneof(
      { weight: 2, arbitrary: known.length ? fc.constantFrom(...known) : fc.constant("does-not-exist") },
      { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) },
      { weight: 3, arbitrary: junkString.filter((s) => s !== "" && s !== "." && s !== "..") },
    );
  });
  return fc.tuple(...values).map((vs) => names.reduce((p, n, i) => p.replace(`{${n}}`, segment(vs[i])), op.path));
}

function queryParamArb(p: Param, ctx: GenContext): fc.Arbitrary<[string, string][]> {
  const value = fc.oneof(
    { weight: 3, arbitrary: conforming(p.schema, ctx, 0, p.name).map(queryText) },
    { weight: 2, arbitrary: fromSchema(p.schema, ctx, 0, p.name).map(queryText) },
    { weight: 1, arbitrary: junkString },
  );
  return fc.option(value, { freq: p.required ? 12 : 2, nil: null }).map((v) => (v === null ? [] : [[p.name, v]]));
}

function queryArb(op: Operation, ctx: GenContext): fc.Arbitrary<[string, string][]> {
  const params = op.params.filter((p) => p.in === "query");
  const documented = fc.tuple(...params.map((p) => queryParamArb(p, ctx))).map((xs) => xs.flat());
  const names = [...params.map((p) => p.name), "filter[status]", "cursor", "limit", "sort"];
  const extra = fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...POISON_QUERY) },
      { weight: 2, arbitrary: fc.tuple(fc.constant("cursor"), fc.constantFrom(...FORGED_CURSORS)) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...names), junkString) },
      { weight: 1, arbitrary: fc.tuple(junkString, junkString) },
    ),
    { maxLength: 3 },
  );
  return fc.tuple(documented, extra).map(([a, b]) => [...a, ...b]);
}

const JPEG = [0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1];

function formArb(): fc.Arbitrary<FormPart[]> {
  const bytes = fc.oneof(
    fc.constant(new Uint8Array(0)),
    fc.uint8Array({ maxLength: 64 }).map((b) => new Uint8Array([...JPEG, ...b])),
    fc.uint8Array({ maxLength: 64 }),
    fc.constant(new TextEncoder().encode("<?php echo 1; ?>".repeat(600))),
  );
  const file = fc.record({ filename: fc.oneof(fc.constant("ktp.jpg"), junkString.map(headerSafe)), type: fc.constantFrom("image/jpeg", "image/png", "application/pdf", "text/html", "", "application/x-msdownload"), bytes });
  const kind = fc.oneof(fc.constantFrom("ktp", "selfie", "payslip"), junkString);
  return fc
    .tuple(
      fc.option(kind, { nil: undefined }),
      fc.option(fc.oneof(file.map((f) => ({ file: f })), junkString.map((v) => ({ value: v }))), { freq: 6, nil: undefined }),
      fc.array(fc.tuple(fc.constantFrom(...PROTO_KEYS, "kind", "file"), junkString), { maxLength: 2 }),
    )
    .map(([k, f, extra]) => {
      const parts: FormPart[] = [];
      if (k !== undefined) parts.push({ name: "kind", value: k });
      if (f !== undefined) parts.push("file" in f ? { name: "file", file: f.file } : { name: "file", value: f.value });
      for (const [name, value] of extra) parts.push({ name, value });
      return parts;
    });
}

function bodyArb(op: Operation, ctx: GenContext): fc.Arbitrary<{ body?: Case["body"]; contentType?: string }> {
  const ct = (preferred: string | undefined) => fc.oneof({ weight: 6, arbitrary: fc.constant(preferred) }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: fc.constant(undefined) });
  const text = (a: fc.Arbitrary<string>, preferred?: string) => fc.tuple(a, ct(preferred)).map(([t, contentType]) => ({ body: { text: t }, contentType }));
  const junkText = fc.oneof(junkJson.map(jsonText), fc.constantFrom(...MALFORMED_BODIES));
  if (op.body?.media === "json") {
    const json = "application/json";
    return fc.oneof(
      { weight: 3, arbitrary: text(conforming(op.body.schema, ctx).map(jsonText), json) },
      { weight: 6, arbitrary: text(mutatedOnce(op.body.schema, ctx).map(jsonText), json) },
      { weight: 4, arbitrary: text(fromSchema(op.body.schema, ctx).map(jsonText), json) },
      { weight: 3, arbitrary: text(conforming(op.body.schema, ctx).map((j) => jsonText(poisonEverywhere(j))), json) },
      { weight: 2, arbitrary: text(junkText, json) },
      { weight: 1, arbitrary: fc.constant({}) },
    );
  }
  if (op.body?.media === "multipart") {
    return fc.oneof(
      { weight: 6, arbitrary: formArb().map((form) => ({ body: { form } })) },
      { weight: 1, arbitrary: text(junkText, "multipart/form-data") },
      { weight: 1, arbitrary: text(junkJson.map(jsonText), "application/json") },
    );
  }
  if (op.method === "GET") return fc.constant({});
  return fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: text(junkText, "application/json") });
}

const JUNK_AUTH = ["Bearer", "Bearer ", "Bearer x", "Basic YWRtaW46YWRtaW4=", "bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIn0.", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.", `Bearer ${"a".repeat(3000)}`, "Token __proto__"];

function headersArb(op: Operation, anonymous: boolean): fc.Arbitrary<Record<string, string>> {
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { freq: 3, nil: undefined });
  return fc
    .record({
      idem: op.method === "GET" ? fc.constant(undefined) : opt(fc.oneof(fc.uuid(), junkString.map(headerSafe))),
      lastEventId: op.path.endsWith("/events") ? opt(junkString.map(headerSafe)) : fc.constant(undefined),
      accept: opt(fc.constantFrom("application/xml", "*/*", "text/event-stream", "application/json;q=0", "")),
      requestId: opt(junkString.map(headerSafe)),
      auth: anonymous ? opt(fc.constantFrom(...JUNK_AUTH)) : fc.constant(undefined),
    })
    .map((h) => {
      const out: Record<string, string> = {};
      if (h.idem !== undefined) out["Idempotency-Key"] = h.idem;
      if (h.lastEventId !== undefined) out["Last-Event-ID"] = h.lastEventId;
      if (h.accept !== undefined) out.Accept = h.accept;
      if (h.requestId !== undefined) out["X-Request-Id"] = h.requestId;
      if (h.auth !== undefined) out.Authorization = h.auth;
      return out;
    });
}

/** Random hostile requests for one operation. */
export function caseArb(op: Operation, ctx: GenContext, anonymous: boolean): fc.Arbitrary<Case> {
  return fc.tuple(pathArb(op, ctx), queryArb(op, ctx), bodyArb(op, ctx), headersArb(op, anonymous)).map(([path, query, b, headers]) => {
    const h = { ...headers };
    if (b.contentType !== undefined) h["Content-Type"] = b.contentType;
    return { path, query, headers: h, body: b.body };
  });
}

/** The same hostile inputs for every operation, every time: prototype keys everywhere, forged cursors, bad media types. */
export function fixedCases(op: Operation, ctx: GenContext): Case[] {
  const pathParams = op.params.filter((p) => p.in === "path");
  const fill = (value: (name: string, schema: Schema) => string) => pathParams.reduce((p, x) => p.replace(`{${x.name}}`, segment(value(x.name, x.schema))), op.path);
  const real = fill((n, schema) => knownFor(ctx, n, schema)[0] ?? "does-not-exist");
  // One hostile parameter per request where the operation validates its query, so another parameter's validation
  // cannot answer first; all of them at once where it declares none.
  const declaresQuery = op.params.some((p) => p.in === "query");
  const cases: Case[] = declaresQuery ? POISON_QUERY.map((pair) => ({ path: real, query: [pair], headers: {} })) : [{ path: real, query: POISON_QUERY, headers: {} }];
  const takesCursor = op.params.some((p) => p.in === "query" && p.name === "cursor");
  for (const cursor of takesCursor ? FORGED_CURSORS : FORGED_CURSORS.slice(0, 2)) cases.push({ path: real, query: [["cursor", cursor]], headers: {} });
  for (const k of ["__proto__", "constructor", "toString"]) if (op.path.includes("{")) cases.push({ path: fill(() => k), query: [], headers: {} });
  if (op.method !== "GET") {
    const base = op.body?.media === "json" ? jsonText(poisonEverywhere({ obj: [] })) : jsonText(POISON);
    cases.push({ path: real, query: [], headers: { "Content-Type": "application/json" }, body: { text: base } });
    cases.push({ path: real, query: [], headers: { "Content-Type": "text/plain" }, body: { text: "{}" } });
    cases.push({ path: real, query: [], headers: { "Content-Type": "application/json" }, body: { text: MALFORMED_BODIES[MALFORMED_BODIES.length - 2] } });
    cases.push({ path: real, query: [], headers: { "Content-Type": "application/json" }, body: { text: jsonText(obj(["__proto__", raw("[]")], ["constructor", raw("null")], ["toString", str("x")])) } });
  }
  return cases;
}
