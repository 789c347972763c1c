// Stored document names and the Content-Disposition they are served with.
import { describe, expect, test } from "bun:test";
import { contentDisposition, documentFilename } from "./filename.ts";

describe("documentFilename", () => {
  test.each([
    ["selfie.html", "jpg", "selfie.jpg"],
    ["ktp.png", "jpg", "ktp.jpg"],
    ["ktp.jpg.html", "jpg", "ktp.jpg"],
    ["scan", "pdf", "scan.pdf"],
    ["Slip Gaji Maret.v2.pdf", "pdf", "Slip Gaji Maret.v2.pdf"],
    ["../../etc/passwd", "png", "passwd.png"],
    ["C:\\Users\\budi\\ktp.jpeg", "jpg", "ktp.jpg"],
    ['slip "gaji".pdf', "pdf", "slip _gaji_.pdf"],
    ["a<b>c|d*e?f:g;h%i'j`k.png", "png", "a_b_c_d_e_f_g_h_i_j_k.png"],
    ["ktp\u202Egpj.html", "jpg", "ktpgpj.jpg"],
    ["\u200Bktp\u2066\u2069\u200E\u061C\uFEFF.jpg", "jpg", "ktp.jpg"],
    ["line\r\nbreak\u0000\u0085.jpg", "jpg", "linebreak.jpg"],
    ["  .hidden  ", "png", "hidden.png"],
    ["Foto Diri\t\t  Budi.jpg", "jpg", "Foto Diri Budi.jpg"],
    ["e\u0301.jpg", "jpg", "\u00e9.jpg"],
    ["", "jpg", "selfie.jpg"],
    ["...", "jpg", "selfie.jpg"],
    ["\u202E", "jpg", "selfie.jpg"],
    ["x".repeat(300) + ".png", "png", "x".repeat(100) + ".png"],
    ["😀".repeat(150), "png", "😀".repeat(100) + ".png"],
  ])("%j → %s", (client, ext, expected) => {
    expect(documentFilename(client, ext, "selfie")).toBe(expected);
  });

  test("no name at all gives the kind; cleaning is idempotent", () => {
    expect(documentFilename(null, "pdf", "payslip")).toBe("payslip.pdf");
    expect(documentFilename(undefined, "jpg", "ktp")).toBe("ktp.jpg");
    for (const n of ["selfie.html", "slip \"gaji\".pdf", "ktp\u202Egpj.html"]) {
      const once = documentFilename(n, "jpg", "ktp");
      expect(documentFilename(once, "jpg", "ktp")).toBe(once);
    }
  });
});

describe("contentDisposition", () => {
  test("attachment with an ASCII fallback and the UTF-8 name, RFC 8187-encoded", () => {
    expect(contentDisposition("ktp budi.jpg")).toBe(`attachment; filename="ktp budi.jpg"; filename*=UTF-8''ktp%20budi.jpg`);
    expect(contentDisposition("Slip (Maret)!.pdf")).toBe(`attachment; filename="Slip (Maret)!.pdf"; filename*=UTF-8''Slip%20%28Maret%29%21.pdf`);
    expect(contentDisposition("it's*.pdf")).toBe(`attachment; filename="it_s_.pdf"; filename*=UTF-8''it_s_.pdf`);
    expect(contentDisposition("Łukasz ü.pdf")).toBe(`attachment; filename="_ukasz _.pdf"; filename*=UTF-8''%C5%81ukasz%20%C3%BC.pdf`);
  });

  test("quotes, backslashes, separators, CR/LF and bidi characters never reach the header", () => {
    const h = contentDisposition('a"b\\c/..\r\nSet-Cookie: x=1\u202Egpj.html');
    expect(h).toBe(`attachment; filename="Set-Cookie_ x=1gpj.html"; filename*=UTF-8''Set-Cookie_%20x%3D1gpj.html`);
    expect(h).not.toMatch(/[\r\n"\\]"|%E2%80%AE/);
    expect(contentDisposition("\u202E")).toBe(`attachment; filename="document"; filename*=UTF-8''document`);
    expect(contentDisposition("100%.pdf")).toBe(`attachment; filename="100_.pdf"; filename*=UTF-8''100_.pdf`);
  });
});
