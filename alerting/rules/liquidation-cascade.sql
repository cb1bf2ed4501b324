-- rule: liquidation-cascade
-- title: Liquidation cascade: forced closes clustered while the price runs through them
-- severity: high
-- entity: market
-- episode_gap_s: 600
-- refresh_s: 2
-- resolve_after_s: 300
-- threshold: window_seconds = 120        -- liquidations this recent
-- threshold: min_liquidations = 5        -- at least this many on one side
-- threshold: min_notional = 500000       -- worth at least this much together (quote asset)
-- threshold: move_bps = 50               -- the last trade this far beyond the first liquidation's price
-- description: Liquidations of one side (longs: sell orders, shorts: buy orders) clustered in
--   the window while the price kept going through them: the last trade is past the first
--   liquidation's price in the liquidation's direction. Many liquidations at a steady price
--   (absorbed, no cascade) do not fire.
-- runbook: Check the same symbol on the other venues (Derivatives dashboard), our own book's
--   liquidation engine and insurance fund, open interest (a cascade drains it) and funding;
--   consider widening margin requirements or pausing new leverage on the symbol.
WITH
    l AS
    (
        SELECT venue, symbol, side, count() AS n, sum(price * quantity) AS notional,
               argMin(price, occurred_at) AS first_price,
               min(occurred_at) AS first_at, max(occurred_at) AS last_at,
               -- When the cluster first reached the count: the triggering liquidation.
               arraySort(groupArray(produced_at))[{{min_liquidations}}] AS nth_produced
        FROM market_liquidations AS ml
        WHERE ml.occurred_at >= now64(3) - INTERVAL {{window_seconds}} SECOND AND ml.occurred_at <= now64(3)
        GROUP BY venue, symbol, side
        HAVING n >= {{min_liquidations}} AND notional >= {{min_notional}}
    ),
    px AS
    (
        SELECT venue, symbol, argMax(price, occurred_at) AS last_price
        FROM market_trades AS mt
        WHERE mt.occurred_at >= now64(3) - INTERVAL {{window_seconds}} SECOND AND mt.occurred_at <= now64(3)
        GROUP BY venue, symbol
    )
SELECT
    concat(toString(l.venue), ':', toString(l.symbol)) AS entity,
    CAST([], 'Array(String)') AS related,
    toString(l.venue) AS venue,
    -- A sell liquidation closes a long: the cascade runs down; a buy closes a short: it runs up.
    if(l.side = 'sell', l.first_price / px.last_price - 1, px.last_price / l.first_price - 1) * 10000 AS through_bps,
    l.first_at AS first_seen,
    l.last_at AS last_seen,
    l.nth_produced AS trigger_at,
    concat(toString(l.n), if(l.side = 'sell', ' long', ' short'), ' liquidations worth ', toString(round(l.notional)),
           ' in ', toString({{window_seconds}}), ' s; price ran ', toString(round(through_bps)),
           ' bps through them') AS summary,
    concat('{"side":"', toString(l.side), '","liquidations":', toString(l.n), ',"notional":',
           toString(round(l.notional, 2)), ',"first_price":', toString(l.first_price), ',"last_price":',
           toString(px.last_price), ',"through_bps":', toString(round(through_bps, 1)), '}') AS evidence
FROM l
INNER JOIN px ON px.venue = l.venue AND px.symbol = l.symbol
WHERE through_bps >= {{move_bps}}
