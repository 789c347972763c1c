// JSON texts as trees whose objects are lists of entries, so a generated body can carry keys that a JS object
// literal cannot hold as data ("__proto__"), duplicate keys, and number tokens JSON.stringify never writes (1e400).

export type Json = { raw: string } | { arr: Json[] } | { obj: [string, Json][] };

export const raw = (text: string): Json => ({ raw: text });
export const str = (s: string): Json => ({ raw: JSON.stringify(s) });
export const obj = (...entries: [string, Json][]): { obj: [string, Json][] } => ({ obj: entries });

export function jsonText(j: Json): string {
  if ("raw" in j) return j.raw;
  if ("arr" in j) return `[${j.arr.map(jsonText).join(",")}]`;
  return `{${j.obj.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(",")}}`;
}

/** The value as a query-string value: strings bare, numbers as their token, arrays and objects as JSON text. */
export function queryText(j: Json): string {
  if ("raw" in j && j.raw.startsWith('"')) return JSON.parse(j.raw) as string;
  return jsonText(j);
}

/** Members of Object.prototype (and friends) that must never be reachable through a client-chosen key. */
export const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf", "__defineGetter__", "__lookupSetter__"];

/** An object that, merged or assigned into a plain object anywhere, would pollute Object.prototype. */
export const POISON = obj(
  ["__proto__", obj(["eq", str("x")], ["role", str("admin")], ["isAdmin", raw("true")], ["polluted", raw("1")], ["status", raw("500")])],
  ["constructor", obj(["prototype", obj(["polluted", raw("1")], ["eq", str("x")])])],
);

/** Adds the poison keys to every object in the tree. */
export function poisonEverywhere(j: Json): Json {
  if ("raw" in j) return j;
  if ("arr" in j) return { arr: j.arr.map(poisonEverywhere) };
  return { obj: [...POISON.obj, ...j.obj.map(([k, v]) => [k, poisonEverywhere(v)] as [string, Json])] };
}
