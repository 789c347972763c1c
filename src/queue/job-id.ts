// The BullMQ job id of an outbox row: its key, encoded (BullMQ ids may not contain ':' nor be integers).

/** Outbox key → BullMQ job id; injective. */
export function jobIdOf(key: string): string {
  const enc = key.replace(/%/g, "%25").replace(/:/g, "%3A");
  return /^\d+$/.test(enc) ? `%d${enc}` : enc;
}

/** BullMQ job id → outbox key (the inverse of jobIdOf). */
export function keyOfJobId(id: string): string {
  const enc = id.startsWith("%d") ? id.slice(2) : id;
  return enc.replace(/%3A/g, ":").replace(/%25/g, "%");
}
