import { describe, expect, test } from "bun:test";
import { PROVINCE_CODES, isValidDate, makeNik, mask, nikIssues, parseNik } from "./nik.ts";

const codes = (nik: string, d?: Parameters<typeof nikIssues>[1]) => nikIssues(nik, d).map((i) => i.code);

describe("NIK structure", () => {
  test("province list is the 38 provinces of 2022+", () => {
    const expected = [
      ...[11, 12, 13, 14, 15, 16, 17, 18, 19, 21],
      ...[31, 32, 33, 34, 35, 36],
      ...[51, 52, 53],
      ...[61, 62, 63, 64, 65],
      ...[71, 72, 73, 74, 75, 76],
      ...[81, 82],
      ...[91, 92, 93, 94, 95, 96],
    ].map(String);
    expect(Object.keys(PROVINCE_CODES).sort()).toEqual(expected.sort());
    expect(Object.keys(PROVINCE_CODES)).toHaveLength(38);
    expect(PROVINCE_CODES["96"]).toBe("Papua Barat Daya");
  });

  test("a man's NIK (Kota Bandung, 15-05-1990) parses and agrees", () => {
    const nik = "3273011505900001";
    expect(parseNik(nik)).toMatchObject({ province: "32", regency: "73", district: "01", day: 15, month: 5, yy: 90, sex: "M", sequence: "0001" });
    expect(codes(nik, { birthDate: "1990-05-15", sex: "M" })).toEqual([]);
  });

  test("a woman's NIK has +40 on the day", () => {
    const nik = "3174085505900002"; // Jakarta Selatan, born 15-05-1990, female
    expect(parseNik(nik)).toMatchObject({ rawDay: 55, day: 15, sex: "F" });
    expect(codes(nik, { birthDate: "1990-05-15", sex: "F" })).toEqual([]);
    // declared male with a +40 day → sex mismatch (birth date still agrees)
    expect(codes(nik, { birthDate: "1990-05-15", sex: "M" })).toEqual(["sex_mismatch"]);
    // a man's NIK declared female
    expect(codes("3273011505900001", { birthDate: "1990-05-15", sex: "F" })).toEqual(["sex_mismatch"]);
    expect(makeNik({ birthDate: "1990-05-15", sex: "F", province: "31", regency: "74", district: "08", sequence: "0002" })).toBe(nik);
  });

  test("not 16 digits", () => {
    expect(codes("327301150590000")).toEqual(["format"]);
    expect(codes("32730115059000012")).toEqual(["format"]);
    expect(codes("32730115059O0001")).toEqual(["format"]);
    expect(codes("")).toEqual(["format"]);
    expect(parseNik("3273 0115 0590 0001")).toBeNull();
  });

  test("unknown province codes, 00 regency or district", () => {
    for (const pp of ["00", "10", "20", "22", "37", "50", "54", "60", "66", "70", "77", "80", "83", "90", "97", "99"]) {
      expect(codes(`${pp}73011505900001`)).toEqual(["region"]);
    }
    for (const pp of ["11", "19", "21", "36", "53", "65", "76", "82", "91", "93", "94", "95", "96"]) {
      expect(codes(`${pp}73011505900001`)).toEqual([]);
    }
    expect(codes("3200011505900001")).toEqual(["region"]);
    expect(codes("3273001505900001")).toEqual(["region"]);
  });

  test("sequence 0000 is rejected", () => {
    expect(codes("3273011505900000")).toEqual(["sequence"]);
    expect(codes("3273011505909999")).toEqual([]);
  });

  test("invalid dates are rejected", () => {
    expect(codes("3273013102900001")).toEqual(["date"]); // 31 Feb
    expect(codes("3273013104900001")).toEqual(["date"]); // 31 Apr
    expect(codes("3273010005900001")).toEqual(["date"]); // day 00
    expect(codes("3273013505900001")).toEqual(["date"]); // day 35 (neither man nor woman)
    expect(codes("3273014005900001")).toEqual(["date"]); // day 40 (= woman's day 0)
    expect(codes("3273017205900001")).toEqual(["date"]); // day 72 (woman's 32)
    expect(codes("3273011513900001")).toEqual(["date"]); // month 13
    expect(codes("3273011500900001")).toEqual(["date"]); // month 00
    expect(codes("3273017102900001")).toEqual(["date"]); // woman 31 Feb
    expect(codes("3273017101900001")).toEqual([]); // woman 31 Jan
  });

  test("29 February: leap years only, in the declared century", () => {
    expect(codes("3273012902960001", { birthDate: "1996-02-29", sex: "M" })).toEqual([]);
    expect(codes("3273016902000001", { birthDate: "2000-02-29", sex: "F" })).toEqual([]);
    expect(codes("3273012902970001")).toEqual(["date"]); // 1997/2097 are not leap years
    expect(codes("3273012902010001")).toEqual(["date"]);
    // 1900 was not a leap year: 29-02-00 declared as 1900 is not a date
    expect(codes("3273012902000001", { birthDate: "1900-02-28", sex: "M" })).toEqual(["date"]);
    // without a declaration, 2000 makes it valid
    expect(codes("3273012902000001")).toEqual([]);
  });

  test("the NIK date must agree with the declared birth date", () => {
    const nik = "3273011505900001";
    expect(codes(nik, { birthDate: "1990-05-16", sex: "M" })).toEqual(["dob_mismatch"]);
    expect(codes(nik, { birthDate: "1990-06-15", sex: "M" })).toEqual(["dob_mismatch"]);
    expect(codes(nik, { birthDate: "1991-05-15", sex: "M" })).toEqual(["dob_mismatch"]);
    expect(codes(nik, { birthDate: "2090-05-15", sex: "M" })).toEqual([]); // same DDMMYY; age rules catch the rest
    // women: declared 15th, NIK day 55 is right; NIK day 15 is a mismatch of sex, not date
    expect(codes("3273015505900001", { birthDate: "1990-05-15", sex: "F" })).toEqual([]);
  });

  test("several problems at once are all reported", () => {
    expect(codes("9973013102900000", { birthDate: "1990-02-28", sex: "M" }).sort()).toEqual(["date", "region", "sequence"]);
  });

  test("helpers", () => {
    expect(isValidDate(2024, 2, 29)).toBe(true);
    expect(isValidDate(2023, 2, 29)).toBe(false);
    expect(mask("3273011505900001")).toBe("************0001");
    expect(mask("123")).toBe("***");
    expect(mask(null)).toBeNull();
  });
});
