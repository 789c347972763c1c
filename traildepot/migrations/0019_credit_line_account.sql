-- Funding: drawdowns on a bank credit line are money the lender owes its bank (a liability), recorded like capital
-- injections (which credit `funding`, equity) against cash: journal kinds `funding.capital` / `funding.credit_line`.
INSERT INTO ledger_accounts (code, name, type, normal) VALUES
  ('credit_line', 'Bank credit line (drawn)', 'liability', 'credit');
