-- Webhooks added through promoc serve's API: sealed_secret is the
-- webhook's signing secret sealed by the server (AES-256-GCM under a key
-- derived from PROMOC_WEBHOOK_SECRET), never in clear; NULL for the
-- webhooks of --webhook, signed with that secret itself. paused is 1 while
-- an admin paused the webhook's delivery (its cursor stays).
ALTER TABLE webhooks ADD COLUMN sealed_secret BYTEA;
ALTER TABLE webhooks ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
