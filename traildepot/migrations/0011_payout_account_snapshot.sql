-- The payout (disbursement) account is snapshotted when the application is submitted — the same
-- profile data the fraud checks see — and copied to the loan when the offer is accepted. The disbursement reads it
-- from the loan, never from the live profile. JSON {"bankCode","accountNumber","accountName"}; NULL on rows created
-- before this migration (the disbursement then falls back to the profile and logs it).
ALTER TABLE applications ADD COLUMN payout_account_json TEXT;
ALTER TABLE loans ADD COLUMN payout_account_json TEXT;
