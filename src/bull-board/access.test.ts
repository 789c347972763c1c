import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { COOKIE_TTL_SECONDS, signQueuesCookie, TICKET_TTL_MS, TicketStore, verifyQueuesCookie } from "./access.ts";
import { isHashedUiFile, stripThirdPartyFonts } from "./adapter.ts";
import { uiFromNodeModules } from "./ui-assets.ts";

const claims = { userId: "u1", sessionId: "s1" };

describe("queue dashboard tickets", () => {
  test("a ticket works once", () => {
    const store = new TicketStore();
    const { ticket, expiresAt } = store.issue(claims, 1_000);
    expect(expiresAt).toBe(1_000 + TICKET_TTL_MS);
    expect(store.consume(ticket, 2_000)).toEqual(claims);
    expect(store.consume(ticket, 2_000)).toBeNull();
  });

  test("a ticket expires after 60 s and unknown or malformed tickets are refused", () => {
    const store = new TicketStore();
    const { ticket } = store.issue(claims, 0);
    expect(store.consume(ticket, TICKET_TTL_MS)).toBeNull();
    expect(store.consume(randomBytes(32).toString("base64url"), 0)).toBeNull();
    expect(store.consume("short", 0)).toBeNull();
    expect(store.consume("", 0)).toBeNull();
  });

  test("expired tickets are pruned", () => {
    const store = new TicketStore();
    store.issue(claims, 0);
    store.issue(claims, 0);
    store.issue(claims, TICKET_TTL_MS + 1);
    expect(store.size).toBe(1);
  });
});

describe("queue dashboard cookie", () => {
  const key = randomBytes(32);

  test("round trip, expiry after 15 minutes", () => {
    const { value, exp } = signQueuesCookie(key, claims, 10_000);
    expect(exp).toBe(10 + COOKIE_TTL_SECONDS);
    expect(verifyQueuesCookie(key, value, 10_000)).toEqual({ ok: true, claims, exp });
    expect(verifyQueuesCookie(key, value, (10 + COOKIE_TTL_SECONDS) * 1000)).toEqual({ ok: false, reason: "expired" });
  });

  test("another key, a changed payload or garbage is refused", () => {
    const { value } = signQueuesCookie(key, claims, 0);
    expect(verifyQueuesCookie(randomBytes(32), value, 0)).toEqual({ ok: false, reason: "bad signature" });
    const [body, mac] = value.split(".");
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, "base64url").toString()), sub: "admin" })).toString("base64url");
    expect(verifyQueuesCookie(key, `${forged}.${mac}`, 0)).toEqual({ ok: false, reason: "bad signature" });
    expect(verifyQueuesCookie(key, "nope", 0)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyQueuesCookie(key, `${value}x`, 0).ok).toBe(false);
  });
});

describe("bull-board UI files", () => {
  test("from source, the installed @bull-board/ui is found (index.ejs + hashed static files)", () => {
    const files = uiFromNodeModules();
    expect(files).not.toBeNull();
    expect(files!["index.ejs"]).toBeDefined();
    const main = Object.keys(files!).find((k) => /^static\/js\/main\.[0-9a-f]+\.js$/.test(k));
    expect(main && isHashedUiFile(main)).toBe(true);
    expect(isHashedUiFile("static/images/logo.svg")).toBe(false);
  });

  test("the Google Fonts stylesheet is dropped from the page template", () => {
    const tpl = `<title>x</title>\n    <link href="https://fonts.googleapis.com/css2?family=IBM+Plex+Sans&display=swap" rel="stylesheet">\n<link href="static/css/main.css" rel="stylesheet">`;
    expect(stripThirdPartyFonts(tpl)).toBe(`<title>x</title>\n    <link href="static/css/main.css" rel="stylesheet">`);
  });
});
