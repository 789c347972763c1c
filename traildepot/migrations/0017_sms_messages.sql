-- Messages sent through an SMS/WhatsApp provider (never the text: it holds a one-time code): the provider's message
-- id, its delivery status as the provider last reported it (status callback or a fetch), its error code and the
-- price it charged, for delivery monitoring and the cost counter.
CREATE TABLE sms_messages (
  id           TEXT PRIMARY KEY,
  provider     TEXT NOT NULL,
  channel      TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp')),
  provider_id  TEXT,
  phone        TEXT NOT NULL,
  status       TEXT NOT NULL,
  error_code   TEXT,
  price        TEXT,
  price_unit   TEXT,
  attempts     INTEGER NOT NULL DEFAULT 1,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX sms_messages_provider_id ON sms_messages (provider, provider_id) WHERE provider_id IS NOT NULL;
