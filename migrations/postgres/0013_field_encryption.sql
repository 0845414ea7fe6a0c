-- 身份证号 and 手机号 are kept encrypted (SM4-GCM envelopes bound to table, column and row) with a
-- keyed blind index (HMAC-SM3 of the normalised value) for equality lookups and duplicates
-- (SEC-46/47). SQL cannot encrypt, so the plaintext moves to `plaintext_queue` here and the
-- application seals it right after migrating, emptying the queue (see members::sealing).
CREATE TABLE plaintext_queue (
    table_name   TEXT    NOT NULL,
    column_name  TEXT    NOT NULL,
    row_id       BIGINT  NOT NULL,
    value        TEXT    NOT NULL,
    PRIMARY KEY (table_name, column_name, row_id)
);

INSERT INTO plaintext_queue (table_name, column_name, row_id, value)
    SELECT 'members', 'id_number', id, id_number FROM members;
INSERT INTO plaintext_queue (table_name, column_name, row_id, value)
    SELECT 'members', 'phone', id, phone FROM members WHERE phone IS NOT NULL;
INSERT INTO plaintext_queue (table_name, column_name, row_id, value)
    SELECT 'member_corrections', 'new_value', id, new_value FROM member_corrections
    WHERE field IN ('id_number', 'phone') AND new_value <> '';

DROP INDEX members_id_number_key;
ALTER TABLE members DROP COLUMN id_number;
ALTER TABLE members DROP COLUMN phone;
ALTER TABLE members ADD COLUMN id_number_enc BYTEA;
ALTER TABLE members ADD COLUMN id_number_bidx BYTEA;
ALTER TABLE members ADD COLUMN phone_enc BYTEA;
ALTER TABLE members ADD COLUMN phone_bidx BYTEA;
CREATE UNIQUE INDEX members_id_number_bidx_key ON members (id_number_bidx);
CREATE INDEX members_phone_bidx_idx ON members (phone_bidx);

UPDATE member_corrections SET new_value = '' WHERE field IN ('id_number', 'phone');
ALTER TABLE member_corrections ADD COLUMN new_value_enc BYTEA;

-- Roster files waiting for a confirmation are now kept sealed; the few pending ones stored in
-- clear are dropped (the officer uploads the file again).
DELETE FROM uploads WHERE purpose = 'member_import';
