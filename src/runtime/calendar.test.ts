import { describe, expect, test } from "bun:test";
import { addDays, addMonths, daysBetween, jakartaDate, jakartaInstant, jakartaTime } from "./calendar.ts";

describe("calendar: Asia/Jakarta days and clock", () => {
  test("the Jakarta date of an instant turns at 17:00 UTC", () => {
    expect(jakartaDate(new Date("2026-03-01T16:59:59Z"))).toBe("2026-03-01");
    expect(jakartaDate(new Date("2026-03-01T17:00:00Z"))).toBe("2026-03-02");
    expect(jakartaDate("2026-03-01T17:00:00Z")).toBe("2026-03-02");
  });

  test("wall-clock time and the instant of a Jakarta time agree", () => {
    expect(jakartaTime(new Date("2026-03-02T01:30:00Z"))).toEqual({ hour: 8, minute: 30 });
    expect(jakartaInstant("2026-03-02", 8, 30).toISOString()).toBe("2026-03-02T01:30:00.000Z");
    expect(jakartaInstant("2026-03-02").toISOString()).toBe("2026-03-01T17:00:00.000Z");
  });

  test("calendar arithmetic: days between, days and months later (clamped to the month's end)", () => {
    expect(daysBetween("2026-03-02", "2027-02-15")).toBe(350);
    expect(daysBetween("2026-03-09", "2026-03-02")).toBe(-7);
    expect(daysBetween("2026-03-02T23:00:00Z", "2026-03-03")).toBe(1);
    expect(addDays("2026-02-27", 2)).toBe("2026-03-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonths("2028-01-31", 1)).toBe("2028-02-29");
    expect(addMonths("2026-11-15", 3)).toBe("2027-02-15");
  });
});
