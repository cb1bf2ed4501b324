-- rule: spread-blowout
-- title: Spread blowout on a market
-- severity: warning
-- entity: market
-- episode_gap_s: 120
-- refresh_s: 2
-- resolve_after_s: 60
-- threshold: recent_seconds = 30         -- the spread now: median over this many seconds of L1 updates
-- threshold: baseline_minutes = 30       -- against the median over this many minutes before
-- threshold: ratio = 5                   -- now at least this many times the baseline
-- threshold: min_spread_bps = 20         -- and at least this wide, so 1 → 5 bps on BTC is not news
-- threshold: min_updates = 3             -- L1 updates in the recent window
-- description: The median best bid/ask spread of a venue's symbol over the last seconds is
--   many times its usual median and wider than an absolute floor.
-- runbook: Check the venue's status page and our connector's integrity alerts for the venue;
--   widen or pause quoting that references this venue's price; resolved notices follow.
WITH
    b AS
    (
        SELECT venue, symbol, occurred_at, produced_at, bid_price, ask_price,
               (ask_price - bid_price) / ((ask_price + bid_price) / 2) * 10000 AS spread_bps,
               occurred_at >= now64(3) - INTERVAL {{recent_seconds}} SECOND AS recent
        FROM market_book_l1
        WHERE occurred_at >= now64(3) - INTERVAL {{baseline_minutes}} MINUTE - INTERVAL {{recent_seconds}} SECOND
    ),
    base AS
    (
        SELECT venue, symbol, quantile(0.5)(spread_bps) AS spread_base FROM b WHERE NOT recent GROUP BY venue, symbol
    )
SELECT
    concat(toString(b.venue), ':', toString(b.symbol)) AS entity,
    CAST([], 'Array(String)') AS related,
    toString(b.venue) AS venue,
    quantile(0.5)(b.spread_bps) AS spread_now,
    base.spread_base AS usual,
    minIf(b.occurred_at, b.spread_bps >= {{min_spread_bps}}) AS first_seen,
    maxIf(b.occurred_at, b.spread_bps >= {{min_spread_bps}}) AS last_seen,
    minIf(b.produced_at, b.spread_bps >= {{min_spread_bps}}) AS trigger_at,
    concat('spread ', toString(round(spread_now, 1)), ' bps (usual ', toString(round(usual, 1)), ' bps)') AS summary,
    concat('{"spread_bps_now":', toString(round(spread_now, 2)), ',"spread_bps_usual":', toString(round(usual, 2)),
           ',"latest":[', arrayStringConcat(arraySlice(arrayReverseSort(x -> x.2, groupArray((toJSONString(map(
               'bid', toString(b.bid_price), 'ask', toString(b.ask_price), 'spread_bps', toString(round(b.spread_bps, 2)),
               'at', toString(b.occurred_at))), b.occurred_at))).1, 1, 10), ','), ']}') AS evidence
FROM b
INNER JOIN base ON base.venue = b.venue AND base.symbol = b.symbol
WHERE b.recent
GROUP BY b.venue, b.symbol, base.spread_base
HAVING count() >= {{min_updates}} AND spread_now >= {{min_spread_bps}} AND spread_now >= {{ratio}} * usual
