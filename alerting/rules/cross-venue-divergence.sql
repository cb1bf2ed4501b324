-- rule: cross-venue-divergence
-- title: Cross-venue divergence: one symbol priced apart on two venues, and holding
-- severity: high
-- entity: market
-- episode_gap_s: 300
-- refresh_s: 2
-- resolve_after_s: 120
-- threshold: divergence_bps = 30         -- mids at least this far apart
-- threshold: hold_seconds = 60           -- for at least this long, at every moment
-- threshold: stale_seconds = 10          -- a venue silent this long is a dead feed, not a price
-- description: The same symbol's mid on one venue stayed above another venue's by the threshold
--   for the whole hold: the low venue's highest mid and the high venue's lowest mid over the
--   hold (each venue's last quote before it included) are still that far apart. Stale-feed
--   guard: both venues must have quoted within stale_seconds of the hold's start and of now,
--   so a frozen quote from a dead feed never counts as a price.
-- runbook: Find which venue moved (Derivatives dashboard, cross-venue panel) and whether it
--   is a venue incident (status page, book-integrity, wide spreads) or a real dislocation;
--   our index/mark sources should drop a venue that is off; arbitrage flows may follow.
WITH
    q AS
    (
        SELECT venue, symbol, (bid_price + ask_price) / 2 AS mid, occurred_at, received_at, produced_at
        FROM market_book_l1 AS b
        WHERE b.occurred_at >= now64(3) - toIntervalSecond({{hold_seconds}} + {{stale_seconds}})
          AND b.occurred_at <= now64(3)
    ),
    v AS
    (
        SELECT venue, symbol,
               -- The quote in force when the hold began, then every quote during it.
               argMaxIf(mid, occurred_at, occurred_at <= now64(3) - INTERVAL {{hold_seconds}} SECOND) AS start_mid,
               countIf(occurred_at <= now64(3) - INTERVAL {{hold_seconds}} SECOND) AS before_hold,
               least(start_mid, minIf(mid, occurred_at > now64(3) - INTERVAL {{hold_seconds}} SECOND)) AS low,
               greatest(start_mid, maxIf(mid, occurred_at > now64(3) - INTERVAL {{hold_seconds}} SECOND)) AS high,
               max(received_at) AS last_received,
               max(occurred_at) AS last_at,
               max(produced_at) AS last_produced
        FROM q GROUP BY venue, symbol
        HAVING before_hold > 0 AND last_received >= now64(3) - INTERVAL {{stale_seconds}} SECOND
    )
SELECT
    concat(toString(hi.venue), '>', toString(lo.venue), ':', toString(hi.symbol)) AS entity,
    [concat(toString(hi.venue), ':', toString(hi.symbol)), concat(toString(lo.venue), ':', toString(lo.symbol))] AS related,
    toString(hi.venue) AS venue,
    (hi.low / lo.high - 1) * 10000 AS held_bps,
    now64(3) - INTERVAL {{hold_seconds}} SECOND AS hold_start,
    -- Stable per episode: the minute the hold began, so re-evaluations agree on it.
    toStartOfMinute(hold_start) AS first_seen,
    greatest(hi.last_at, lo.last_at) AS last_seen,
    greatest(hi.last_produced, lo.last_produced) AS trigger_at,
    concat(toString(hi.symbol), ' on ', toString(hi.venue), ' held at least ', toString(round(held_bps, 1)),
           ' bps above ', toString(lo.venue), ' for ', toString({{hold_seconds}}), ' s') AS summary,
    concat('{"high_venue":"', toString(hi.venue), '","low_venue":"', toString(lo.venue),
           '","high_venue_lowest_mid":', toString(hi.low), ',"low_venue_highest_mid":', toString(lo.high),
           ',"held_bps":', toString(round(held_bps, 2)), '}') AS evidence
FROM v AS hi
INNER JOIN v AS lo ON lo.symbol = hi.symbol
WHERE hi.venue != lo.venue AND held_bps >= {{divergence_bps}}
