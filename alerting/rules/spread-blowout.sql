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
    ),
    marked AS
    (
        -- Each update of the last two recent windows with the share of wide updates in the
        -- recent_seconds before it: the update at which wide ones became half of that window is
        -- the one that made the median condition true (the trigger), not the first wide one.
        SELECT b.venue AS venue, b.symbol AS symbol, b.occurred_at AS occurred_at, b.produced_at AS produced_at,
               b.bid_price AS bid_price, b.ask_price AS ask_price, b.spread_bps AS spread_bps, b.recent AS recent,
               base.spread_base AS usual, b.spread_bps >= {{min_spread_bps}} AS floor_crossed,
               b.spread_bps >= greatest({{min_spread_bps}}, {{ratio}} * usual) AS wide,
               countIf(wide) OVER w * 2 >= count() OVER w AS wide_half
        FROM b
        INNER JOIN base ON base.venue = b.venue AND base.symbol = b.symbol
        WHERE b.occurred_at >= now64(3) - INTERVAL 2 * {{recent_seconds}} SECOND
        WINDOW w AS (PARTITION BY b.venue, b.symbol ORDER BY toUnixTimestamp64Milli(b.occurred_at)
            RANGE BETWEEN {{recent_seconds}} * 1000 PRECEDING AND CURRENT ROW)
    )
SELECT
    concat(toString(venue), ':', toString(symbol)) AS entity,
    CAST([], 'Array(String)') AS related,
    toString(venue) AS venue,
    quantile(0.5)(spread_bps) AS spread_now,
    any(usual) AS usual_spread,
    minIf(occurred_at, floor_crossed) AS first_seen,
    maxIf(occurred_at, floor_crossed) AS last_seen,
    -- The median is a quantile estimate: if no single update shows the half, the latest wide one.
    if(countIf(wide AND wide_half) > 0, minIf(produced_at, wide AND wide_half), maxIf(produced_at, floor_crossed)) AS trigger_at,
    concat('spread ', toString(round(spread_now, 1)), ' bps (usual ', toString(round(usual_spread, 1)), ' bps)') AS summary,
    concat('{"spread_bps_now":', toString(round(spread_now, 2)), ',"spread_bps_usual":', toString(round(usual_spread, 2)),
           ',"latest":[', arrayStringConcat(arraySlice(arrayReverseSort(x -> x.2, groupArray((toJSONString(map(
               'bid', toString(bid_price), 'ask', toString(ask_price), 'spread_bps', toString(round(spread_bps, 2)),
               'at', toString(occurred_at))), occurred_at))).1, 1, 10), ','), ']}') AS evidence
FROM marked
WHERE recent
GROUP BY venue, symbol
HAVING count() >= {{min_updates}} AND spread_now >= {{min_spread_bps}} AND spread_now >= {{ratio}} * usual_spread
