// Products: admin CRUD, borrowers list the active ones, and quotes (a priced schedule, nothing saved).
import { auditChange, daysBetween, defineApprovable, defineRoute, HttpProblem, jakartaDate, PendingApprovalSchema, PENDING_EXAMPLE, problems, proposeOrRun, sqlIn, z, type ExtensionContext, type Sql } from "../../../src/runtime/index.ts";
import { IdParams } from "../../../schemas/applications.ts";
import { CAP_PROBLEM_EXAMPLE, type CapViolation, Product, PRODUCT_EXAMPLE, ProductInput, ProductList, Quote, QUOTE_EXAMPLE, QuoteRequest } from "../../../schemas/products.ts";
import { checkProduct, checkSchedule, loadCaps, strictest } from "../caps.ts";
import { buildSchedule, ScheduleError } from "../schedule.ts";
import { checkRanges, getProduct, newId, productOut, productPricing } from "../repo.ts";
import type { ProductRow } from "../rows.ts";

const problem = (description: string) => ({ description });

export function capProblem(violations: CapViolation[], what: string) {
  const first = violations[0];
  return new HttpProblem(422, "regulatory-cap-exceeded", "Regulatory cap exceeded", `${what}: ${violations.map((v) => v.message).join("; ")}`, {
    rule: first.rule,
    cap: first.cap,
    figure: first.figure,
    unit: first.unit,
    effectiveFrom: first.effectiveFrom,
    violations,
  });
}

function toRow(input: ProductInput, id: string, createdAt: string, updatedAt: string): ProductRow {
  return {
    id,
    code: input.code,
    name: input.name,
    description: input.description ?? "",
    purpose: input.purpose,
    min_amount: input.minAmount,
    max_amount: input.maxAmount,
    min_tenor: input.minTenor,
    max_tenor: input.maxTenor,
    tenor_unit: input.tenorUnit,
    interest_method: input.interestMethod,
    interest_rate_ppm: input.interestRatePpm,
    upfront_fee_ppm: input.upfrontFeePpm ?? 0,
    admin_fee_amount: input.adminFeeAmount ?? 0,
    late_fee_ppm: input.lateFeePpm ?? 0,
    grace_days: input.graceDays ?? 0,
    active: input.active === false ? 0 : 1,
    created_at: createdAt,
    updated_at: updatedAt,
  };
}

/** Terms the schedule arithmetic refuses (amounts past the safe integer range): the caller's 422, not a 500. */
function pricing<T>(price: () => T): T {
  try {
    return price();
  } catch (err) {
    if (err instanceof ScheduleError) throw problems.unprocessable("unpriceable-terms", "Terms cannot be priced", err.message);
    throw err;
  }
}

function assertWithinCaps(db: Sql, row: ProductRow, date: string) {
  const violations = pricing(() => checkProduct(loadCaps(db), productPricing(row), date));
  if (violations.length) throw capProblem(violations, `product ${row.code} breaks a regulatory cap in force on ${date}`);
}

function saveProduct(ctx: ExtensionContext, row: ProductRow, isNew: boolean) {
  assertWithinCaps(ctx.db, row, jakartaDate(ctx.clock.now()));
  return ctx.tx((t) => {
    const dup = t.get<{ id: string }>("SELECT id FROM products WHERE code = ? AND id != ?", row.code, row.id);
    if (dup) throw problems.conflict(`a product with code ${row.code} already exists`, { productId: dup.id });
    const cols = Object.keys(row) as (keyof ProductRow)[];
    if (isNew) {
      const values = sqlIn(cols.map((c) => row[c]));
      t.run(`INSERT INTO products (${cols.join(", ")}) VALUES ${values.sql}`, ...values.params);
    } else {
      const set = cols.filter((c) => c !== "id" && c !== "created_at");
      t.run(`UPDATE products SET ${set.map((c) => `${c} = ?`).join(", ")} WHERE id = ?`, ...set.map((c) => row[c]), row.id);
    }
    return productOut(t.get<ProductRow>("SELECT * FROM products WHERE id = ?", row.id)!);
  });
}

/**
 * Creating or changing a product, approvable (four-eyes): off by default; when an admin requires it, another admin
 * approves the change. Audited with the product before and after.
 */
export const productChangeAction = defineApprovable<{ productId: string; create: boolean; product: ProductInput }, z.infer<typeof Product>>({
  action: "product.change",
  label: "Product change",
  labelId: "Perubahan produk",
  roles: ["admin"],
  input: z.object({ productId: z.string().min(1).max(200), create: z.boolean(), product: ProductInput }),
  entity: (i) => ({ type: "product", id: i.productId }),
  defaultPolicy: { required: false, thresholdAmount: null },
  execute(t, input, run, ctx) {
    const existing = input.create ? null : getProduct(t, input.productId);
    if (!input.create && !existing) throw problems.notFound("Product");
    const at = run.now.toISOString();
    const row = toRow(input.product, input.productId, existing?.created_at ?? at, at);
    const after = saveProduct(ctx, row, input.create);
    auditChange(t, { user: run.actor, ip: run.ip, userAgent: run.userAgent }, {
      event: input.create ? "product.created" : "product.updated",
      entity: { type: "product", id: input.productId },
      before: existing ? productOut(existing) : null,
      after,
      details: run.approvalId ? { approvalId: run.approvalId, approvedBy: run.approvedBy?.id ?? null } : {},
      at: run.now,
    });
    return after;
  },
});

export const listActiveProducts = defineRoute({
  method: "get",
  path: "/api/v1/products",
  summary: "List the loan products a borrower can apply for",
  tags: ["Products"],
  access: "authenticated",
  responses: { 200: { description: "Active products", schema: ProductList, example: { items: [PRODUCT_EXAMPLE] } }, 401: problem("Not signed in") },
  handler: (_req, ctx) => ({
    status: 200,
    body: { items: ctx.db.all<ProductRow>("SELECT * FROM products WHERE active = 1 ORDER BY code").map(productOut) },
  }),
});

export const adminListProducts = defineRoute({
  method: "get",
  path: "/api/v1/admin/products",
  summary: "List all products, active or not",
  tags: ["Products", "Admin"],
  access: ["admin"],
  responses: { 200: { description: "All products", schema: ProductList, example: { items: [PRODUCT_EXAMPLE] } }, 401: problem("Not signed in"), 403: problem("Not an admin") },
  handler: (_req, ctx) => ({ status: 200, body: { items: ctx.db.all<ProductRow>("SELECT * FROM products ORDER BY code").map(productOut) } }),
});

export const adminCreateProduct = defineRoute({
  method: "post",
  path: "/api/v1/admin/products",
  summary: "Create a product (refused when its worst-case cost breaks a regulatory cap in force)",
  tags: ["Products", "Admin"],
  access: ["admin"],
  idempotent: true,
  request: { body: ProductInput },
  responses: {
    201: { description: "Created", schema: Product, example: PRODUCT_EXAMPLE },
    202: { description: "Proposed: the approval policy for product changes requires another admin's approval (off by default)", schema: PendingApprovalSchema, example: { ...PENDING_EXAMPLE, approval: { ...PENDING_EXAMPLE.approval, action: "product.change", label: "Product change", labelId: "Perubahan produk", entityType: "product", entityId: PRODUCT_EXAMPLE.id, amount: null, input: { productId: PRODUCT_EXAMPLE.id, create: true, product: { code: PRODUCT_EXAMPLE.code } } } } },
    409: problem("The code is taken"),
    422: { ...problem("Invalid, or breaks a regulatory cap (rule, cap, figure, effectiveFrom, violations)"), example: CAP_PROBLEM_EXAMPLE },
  },
  handler: (req, ctx) => {
    const out = proposeOrRun(ctx, req, productChangeAction, { productId: newId(), create: true, product: req.body });
    if (out.kind === "proposed") return { status: 202, body: { approvalRequired: true as const, approval: out.approval } };
    return { status: 201, body: out.result, headers: { Location: `/api/v1/admin/products/${out.result.id}` } };
  },
});

export const adminGetProduct = defineRoute({
  method: "get",
  path: "/api/v1/admin/products/{id}",
  summary: "Read one product",
  tags: ["Products", "Admin"],
  access: ["admin"],
  request: { params: IdParams },
  responses: { 200: { description: "The product", schema: Product, example: PRODUCT_EXAMPLE }, 404: problem("No such product") },
  handler: (req, ctx) => {
    const row = getProduct(ctx.db, req.params.id);
    if (!row) throw problems.notFound("Product");
    return { status: 200, body: productOut(row) };
  },
});

export const adminUpdateProduct = defineRoute({
  method: "put",
  path: "/api/v1/admin/products/{id}",
  summary: "Replace a product's terms (existing loans keep the terms they were priced with)",
  tags: ["Products", "Admin"],
  access: ["admin"],
  request: { params: IdParams, body: ProductInput },
  responses: {
    200: { description: "Updated", schema: Product, example: PRODUCT_EXAMPLE },
    202: { description: "Proposed: the approval policy for product changes requires another admin's approval (off by default)", schema: PendingApprovalSchema, example: { ...PENDING_EXAMPLE, approval: { ...PENDING_EXAMPLE.approval, action: "product.change", label: "Product change", labelId: "Perubahan produk", entityType: "product", entityId: PRODUCT_EXAMPLE.id, amount: null, input: { productId: PRODUCT_EXAMPLE.id, create: false, product: { code: PRODUCT_EXAMPLE.code } } } } },
    404: problem("No such product"),
    409: problem("The code is taken"),
    422: { ...problem("Invalid, or breaks a regulatory cap"), example: CAP_PROBLEM_EXAMPLE },
  },
  handler: (req, ctx) => {
    const out = proposeOrRun(ctx, req, productChangeAction, { productId: req.params.id, create: false, product: req.body });
    if (out.kind === "proposed") return { status: 202, body: { approvalRequired: true as const, approval: out.approval } };
    return { status: 200, body: out.result };
  },
});

export const adminDeleteProduct = defineRoute({
  method: "delete",
  path: "/api/v1/admin/products/{id}",
  summary: "Retire a product (deactivated when applications use it, deleted otherwise)",
  tags: ["Products", "Admin"],
  access: ["admin"],
  request: { params: IdParams },
  responses: { 204: { description: "Retired" }, 404: problem("No such product") },
  handler: (req, ctx) => {
    ctx.tx((t) => {
      const before = getProduct(t, req.params.id);
      if (!before) throw problems.notFound("Product");
      const used = !!t.get("SELECT 1 FROM applications WHERE product_id = ? LIMIT 1", req.params.id);
      if (used) {
        t.run("UPDATE products SET active = 0, updated_at = ? WHERE id = ?", ctx.clock.now().toISOString(), req.params.id);
      } else {
        t.run("DELETE FROM products WHERE id = ?", req.params.id);
      }
      auditChange(t, req, { event: "product.retired", entity: { type: "product", id: req.params.id }, before: productOut(before), after: used ? { ...productOut(before), active: false } : null, at: ctx.clock.now() });
    });
    return { status: 204 };
  },
});

/** Price a loan on a product (quote, application, acceptance): ranges, schedule and the caps in force. */
export function priceLoan(db: Sql, product: ProductRow, principal: number, tenor: number, startDate: string) {
  checkRanges(product, principal, tenor);
  const schedule = pricing(() =>
    buildSchedule(
      {
        principal,
        tenor,
        tenorUnit: product.tenor_unit,
        method: product.interest_method,
        ratePpm: product.interest_rate_ppm,
        upfrontFeePpm: product.upfront_fee_ppm,
        adminFeeAmount: product.admin_fee_amount,
      },
      startDate,
    ),
  );
  const caps = loadCaps(db);
  const violations = checkSchedule(caps, schedule, product.purpose, startDate);
  if (violations.length) throw capProblem(violations, `this loan breaks a regulatory cap in force on ${startDate}`);
  const cap = strictest(caps, "daily_cost", startDate, product.purpose, schedule.termDays);
  return { schedule, dailyCostCapPpm: cap?.value ?? null, caps };
}

export const createQuote = defineRoute({
  method: "post",
  path: "/api/v1/quotes",
  summary: "Price a loan: the schedule, APR and daily cost figure (nothing is saved)",
  tags: ["Products"],
  access: "authenticated",
  request: { body: QuoteRequest },
  responses: {
    200: { description: "The priced schedule", schema: Quote, example: QUOTE_EXAMPLE },
    404: problem("No such active product"),
    422: problem("Outside the product's range, or breaks a regulatory cap"),
  },
  handler: (req, ctx) => {
    const product = getProduct(ctx.db, req.body.productId);
    if (!product || product.active !== 1) throw problems.notFound("Product");
    const today = jakartaDate(ctx.clock.now());
    const startDate = req.body.startDate ?? today;
    if (startDate < today || daysBetween(today, startDate) > 90) {
      throw problems.validation([{ path: "startDate", message: `must be between ${today} and 90 days later` }]);
    }
    const { schedule, dailyCostCapPpm } = priceLoan(ctx.db, product, req.body.principalAmount, req.body.tenor, startDate);
    return { status: 200, body: quoteBody(product, schedule, dailyCostCapPpm) };
  },
});

export function quoteBody(product: ProductRow, s: ReturnType<typeof buildSchedule>, dailyCostCapPpm: number | null) {
  return {
    productId: product.id,
    tenor: product.tenor_unit === "days" ? s.termDays : s.instalments.length,
    tenorUnit: product.tenor_unit,
    interestMethod: product.interest_method,
    startDate: s.startDate,
    maturityDate: s.maturityDate,
    principalAmount: s.principalAmount,
    interestAmount: s.interestAmount,
    feeAmount: s.feeAmount,
    upfrontFeeAmount: s.upfrontFeeAmount,
    disbursedAmount: s.disbursedAmount,
    totalRepaymentAmount: s.totalRepaymentAmount,
    installmentAmount: s.instalmentAmount,
    termDays: s.termDays,
    dailyCostPpm: s.dailyCostPpm,
    totalCostPpm: s.totalCostPpm,
    aprBps: s.aprBps,
    dailyCostCapPpm,
    installments: s.instalments,
  };
}

export const productRoutes = [listActiveProducts, adminListProducts, adminCreateProduct, adminGetProduct, adminUpdateProduct, adminDeleteProduct, createQuote];
