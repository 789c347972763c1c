-- The W3C traceparent of the span that wrote an outbox row (tracing on; NULL otherwise): the job or hook that runs
-- the row continues that trace, in whichever process runs it.
ALTER TABLE outbox ADD COLUMN trace_context TEXT;
