// The BullMQ job id of an outbox row: its key, encoded (BullMQ ids may not contain ':' nor be integers).

/** Outbox key → BullMQ job id; injective. */
export function jobIdOf(key: string): string {
  const enc = key.replace(/%/g, "%25").replace(/:/g, "%3A");
  return /^\d+$/.test(enc) ? `%d${enc}` : enc;
}
