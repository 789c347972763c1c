-- Performance indexes (no schema change). The payment allocator and every schedule read load a loan's
-- instalments oldest first (WHERE loan_id = ? ORDER BY due_date, seq): with only UNIQUE (loan_id, seq) SQLite
-- searched by loan then sorted in a temp B-tree on every payment webhook. This index serves the order directly.
CREATE INDEX installments_loan_due ON installments (loan_id, due_date, seq);
