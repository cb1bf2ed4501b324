-- The web console (console/) and chat actions: who may sign in, and what a resolution meant.
-- An action now says how the alert turned out (resolve only) and where it was taken
-- (cli, console, slack, telegram), so rule KPIs can read true/false-positive rates.
-- Both columns default to '' so rows written before, and by older writers, stay valid.
ALTER TABLE alert_actions
    ADD COLUMN IF NOT EXISTS outcome Enum8('' = 0, 'true_positive' = 1, 'false_positive' = 2, 'duplicate' = 3, 'benign' = 4) DEFAULT '';
ALTER TABLE alert_actions
    ADD COLUMN IF NOT EXISTS via LowCardinality(String) DEFAULT '' COMMENT 'cli, console, slack, telegram, notifier';

-- Console accounts. A password is kept only as its scrypt hash (console/passwords.ts:
-- scrypt$N$r$p$salt$hash, base64). A change (role, password, disabling) is a newer row of
-- the same user_name; the newest wins.
CREATE TABLE IF NOT EXISTS console_users
(
    user_name       String,
    role            Enum8('viewer' = 1, 'analyst' = 2, 'admin' = 3),
    password_hash   String,
    disabled        UInt8 DEFAULT 0,
    created_by      String,
    updated_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY user_name;
