-- rule: stale-feed
-- title: Stale feed: no book updates from a market
-- severity: high
-- entity: market
-- episode_gap_s: 0
-- refresh_s: 2
-- resolve_after_s: 30
-- threshold: stale_seconds = 30          -- silent for this long
-- threshold: known_minutes = 60          -- markets that sent anything within this many minutes
-- description: A venue's symbol that was updating its best bid/ask has sent nothing for the
--   threshold. Inhibits the spread, depth and price alerts of the same venue and symbol
--   (routing `inhibit`, equal: market), never another symbol's.
-- runbook: Check the market connector's /healthz and logs (reconnects, venue limits), the
--   venue's status page, and Kafka ingestion lag. The alert resolves itself when data flows.
SELECT
    concat(toString(venue), ':', toString(symbol)) AS entity,
    CAST([], 'Array(String)') AS related,
    toString(venue) AS venue,
    max(received_at) AS last_event_at,
    -- The episode starts at the last event: every evaluation of one silence agrees on it.
    last_event_at AS first_seen,
    -- Advanced in 10-second steps while silent, so the alert is refreshed, not rewritten every second.
    toStartOfInterval(now64(3), INTERVAL 10 SECOND) AS last_seen,
    last_event_at + INTERVAL {{stale_seconds}} SECOND AS trigger_at,
    concat('no book update for ', toString(dateDiff('second', last_event_at, now64(3))), ' s') AS summary,
    concat('{"last_event_at":"', toString(last_event_at), '","silent_seconds":',
           toString(dateDiff('second', last_event_at, now64(3))), '}') AS evidence
FROM market_book_l1
WHERE received_at >= now64(3) - INTERVAL {{known_minutes}} MINUTE
GROUP BY venue, symbol
HAVING last_event_at < now64(3) - INTERVAL {{stale_seconds}} SECOND
