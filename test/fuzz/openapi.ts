// The operations of an OpenAPI 3.1 document, as the fuzzer needs them: method, path template, parameters and the
// request body's media type and schema, with local `$ref`s resolved.

export type Schema = Record<string, any>;

export interface Param {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  schema: Schema;
}

export interface Operation {
  /** "GET /api/v1/records/{name}" */
  id: string;
  method: string;
  path: string;
  secured: boolean;
  params: Param[];
  body?: { media: "json" | "multipart"; schema: Schema };
}

export type Resolve = (s: Schema | undefined) => Schema;

/** Follows `#/components/...` references (a chain longer than 20 resolves to the empty schema). */
export function resolver(doc: any): Resolve {
  const resolve = (s: Schema | undefined, depth: number): Schema => {
    if (!s || typeof s !== "object") return {};
    if (typeof s.$ref !== "string") return s;
    if (depth >= 20) return {};
    const target = s.$ref
      .replace(/^#\//, "")
      .split("/")
      .reduce((o: any, k: string) => (o && typeof o === "object" && Object.hasOwn(o, k) ? o[k] : undefined), doc);
    return resolve(target, depth + 1);
  };
  return (s) => resolve(s, 0);
}

export function operations(doc: any): Operation[] {
  const resolve = resolver(doc);
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      const op = item[method];
      if (!op) continue;
      const params: Param[] = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: any) => {
        const r = resolve(p);
        return { name: r.name, in: r.in, required: !!r.required, schema: resolve(r.schema) };
      });
      const content = op.requestBody?.content ?? {};
      let body: Operation["body"];
      if (content["application/json"]) body = { media: "json", schema: resolve(content["application/json"].schema) };
      else if (content["multipart/form-data"]) body = { media: "multipart", schema: resolve(content["multipart/form-data"].schema) };
      out.push({ id: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, secured: Array.isArray(op.security) && op.security.length > 0, params, body });
    }
  }
  return out;
}
