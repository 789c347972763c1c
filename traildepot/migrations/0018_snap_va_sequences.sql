-- SNAP BI direct virtual accounts numbered by this server: the last customer-number sequence handed out per
-- partnerServiceId (the bank-assigned company code), advanced in the same transaction as the VA row it numbers, so
-- a number is never handed out twice.
CREATE TABLE snap_va_sequences (
  partner_service_id TEXT PRIMARY KEY,
  last_seq           INTEGER NOT NULL CHECK (last_seq > 0)
) STRICT;
