import { describe, expect, test } from "bun:test";
import { dateTimeWib, dateWib, endOfDayWib, isoDateWib, number, parsePercent, percentOfBps, percentOfRatio, phoneLocal, rupiah, startOfDayWib } from "./format.ts";
import { columnLabel, humanise, valueLabel } from "./i18n/labels.ts";

describe("dashboard formats: WIB and id-ID whatever the machine's zone", () => {
  test.each([
    ["2026-11-30T17:00:00.000Z", "01/12/2026 00:00 WIB"],
    ["2026-12-01T08:05:09Z", "01/12/2026 15:05 WIB"],
    ["2026-12-31T16:59:00Z", "31/12/2026 23:59 WIB"],
    ["2026-12-31T17:00:00Z", "01/01/2027 00:00 WIB"],
  ])("%s is %s", (iso, shown) => expect(dateTimeWib(iso)).toBe(shown));

  test("seconds on request; missing and unparseable values", () => {
    expect(dateTimeWib("2026-12-01T08:05:09Z", { seconds: true })).toBe("01/12/2026 15:05:09 WIB");
    expect(dateTimeWib(null)).toBe("—");
    expect(dateTimeWib("not a time")).toBe("not a time");
  });

  test("a business date stays that date; an instant takes its Jakarta date", () => {
    expect(dateWib("2026-12-01")).toBe("01/12/2026");
    expect(dateWib("2026-11-30T18:00:00Z")).toBe("01/12/2026");
    expect(isoDateWib(new Date("2026-11-30T18:00:00Z"))).toBe("2026-12-01");
  });

  test("a Jakarta day's bounds in UTC", () => {
    expect(startOfDayWib("2026-12-01")).toBe("2026-11-30T17:00:00.000Z");
    expect(endOfDayWib("2026-12-01")).toBe("2026-12-01T16:59:59.999Z");
  });

  test("rupiah, numbers and percentages in id-ID", () => {
    expect(rupiah(19078159)).toBe("Rp 19.078.159");
    expect(rupiah(-16967000)).toBe("−Rp 16.967.000");
    expect(rupiah(0)).toBe("Rp 0");
    expect(rupiah("12")).toBe("—");
    expect(number(12345)).toBe("12.345");
    expect(number(0.75)).toBe("0,75");
    expect(percentOfRatio(0.2816)).toBe("28,16 %");
    expect(percentOfBps(125)).toBe("1,25 %");
  });

  test("percent typed with a comma or a dot", () => {
    expect(parsePercent("0,3")).toBe(0.3);
    expect(parsePercent("12.5 %")).toBe(12.5);
    expect(parsePercent("1.000")).toBe(1);
    expect(parsePercent("abc")).toBeNull();
    expect(parsePercent("-1")).toBeNull();
  });

  test("phones in local form", () => {
    expect(phoneLocal("+6281234567890")).toBe("0812-3456-7890");
    expect(phoneLocal("+62812****7890")).toBe("0812****7890");
  });

  test("labels: known names in both languages, unknown ones humanised, never an inherited property", () => {
    expect(columnLabel("outstanding_amount", "id")).toBe("Sisa pinjaman");
    expect(columnLabel("outstanding_amount", "en")).toBe("Outstanding");
    expect(valueLabel("needs_attention", "en")).toBe("Needs attention");
    expect(columnLabel("constructor", "en")).toBe("Constructor");
    expect(valueLabel("__proto__", "id")).toBe("Proto");
    expect(humanise("late_fee_ppm")).toBe("Late fee");
  });
});
