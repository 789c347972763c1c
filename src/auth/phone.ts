// Indonesian mobile numbers (MSISDN): accepted as 08…, 628…, +628… and normalised to E.164 +628….
// Mobile numbers start 8 after the country code and have 9-12 digits after +62 (e.g. +62 812 3456 7890).

/** The E.164 form, or null when the input is not an Indonesian mobile number. */
export function normalizePhone(input: string): string | null {
  const s = input.replace(/[\s().-]/g, "");
  let national: string;
  if (/^\+628\d+$/.test(s)) national = s.slice(3);
  else if (/^628\d+$/.test(s)) national = s.slice(2);
  else if (/^08\d+$/.test(s)) national = s.slice(1);
  else return null;
  if (national.length < 9 || national.length > 12) return null;
  return `+62${national}`;
}
