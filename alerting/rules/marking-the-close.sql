-- rule: marking-the-close
-- title: Marking the close: one account's buying or selling moves the candle close
-- severity: high
-- entity: account
-- episode_gap_s: 1800
-- refresh_s: 2
-- resolve_after_s: 0
-- threshold: window_seconds = 10         -- the seconds before each 1-minute close that are watched
-- threshold: min_orders = 3              -- the account's taker orders in that window (one order sweeping levels is one)
-- threshold: min_share_pct = 50          -- its share of the symbol's traded notional in the window
-- threshold: min_move_bps = 15           -- its own trades pushed the price this far its way from the last price before the window
-- threshold: min_close_move_bps = 0      -- and the close still ended at least this far its way (not back below where it stood)
-- threshold: min_concentration_pct = 80  -- share of its own taker notional in the minute that falls in the window
-- threshold: min_closes = 2              -- closes marked like that in the lookback
-- threshold: lookback_minutes = 15
-- description: For each 1-minute candle of each symbol on our own book, the account
--   that took liquidity in the last seconds before the close: enough orders, most of the
--   notional, one direction, its own trades pushing the price its way from the last price
--   before the window and the close left there (ordinary flow after its last trade may pull
--   the close back part of the way: the close only has to stay on its side), and most of its
--   own trading of the minute packed into those seconds. Repeated at several closes. Benchmarks that settle on our candle closes are what it distorts.
-- runbook: Replay the symbol's tape around the marked closes; check what references those
--   closes (index, settlement, the account's own positions or loans marked on them). Escalate to
--   market surveillance; a TWAP or a rebalancing spread evenly over the minute is not this.
WITH
    t AS
    (
        SELECT e.event_id AS event_id, toString(e.symbol) AS symbol, e.occurred_at AS at, e.produced_at AS produced_at,
               e.price AS price, e.price * e.quantity AS notional, e.taker_account_id AS taker,
               e.taker_order_id AS taker_order, e.aggressor_side AS side,
               toStartOfMinute(e.occurred_at) + INTERVAL 1 MINUTE AS close_at,
               e.occurred_at >= close_at - INTERVAL {{window_seconds}} SECOND AS in_window
        FROM engine_executions AS e
        -- The candle in progress counts too: an account already marking it is reported without
        -- waiting for the close (the close price in the evidence is then the latest so far).
        WHERE e.occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE
        LIMIT 1 BY e.event_id
    ),
    candles AS
    (
        SELECT symbol, close_at,
               sumIf(notional, in_window) AS window_notional,
               argMaxIf(price, at, NOT in_window) AS before_price,
               argMaxIf(price, at, in_window) AS close_price
        FROM t
        GROUP BY symbol, close_at
    ),
    takers AS
    (
        SELECT taker AS account_id, symbol, close_at,
               sumIf(notional, in_window) AS own_window,
               sum(notional) AS own_minute,
               uniqExactIf(taker_order, in_window) AS orders,
               countIf(in_window AND side = 'buy') AS buys,
               countIf(in_window) AS trades,
               if(buys * 2 >= trades, 1, -1) AS direction,
               -- The furthest its own trades took the price, its way.
               if(direction = 1, maxIf(price, in_window), minIf(price, in_window)) AS reached,
               minIf(at, in_window) AS first_at,
               maxIf(at, in_window) AS last_at,
               argMaxIf(produced_at, at, in_window) AS last_produced
        FROM t
        GROUP BY taker, symbol, close_at
        HAVING orders >= {{min_orders}}
    ),
    marked AS
    (
        SELECT k.account_id AS account_id, k.symbol AS symbol, k.close_at AS close_at, k.first_at AS first_at,
               k.last_at AS last_at, k.last_produced AS last_produced, k.orders AS orders, k.direction AS direction,
               k.own_window / c.window_notional AS share,
               k.own_window / k.own_minute AS concentration,
               (k.reached / c.before_price - 1) * 10000 * k.direction AS impact_bps,
               (c.close_price / c.before_price - 1) * 10000 * k.direction AS move_bps,
               c.before_price AS before_price, c.close_price AS close_price
        FROM takers AS k
        INNER JOIN candles AS c ON c.symbol = k.symbol AND c.close_at = k.close_at
        WHERE c.before_price > 0 AND c.window_notional > 0
          AND share * 100 >= {{min_share_pct}}
          AND concentration * 100 >= {{min_concentration_pct}}
          AND impact_bps >= {{min_move_bps}}
          AND move_bps >= {{min_close_move_bps}}
          AND greatest(k.buys, k.trades - k.buys) * 10 >= 8 * k.trades
    )
SELECT
    account_id AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    min(first_at) AS first_seen,
    max(last_at) AS last_seen,
    -- The last trade of the close that made the count.
    arraySort(groupArray(last_produced))[toUInt32({{min_closes}})] AS trigger_at,
    concat(toString(count()), ' closes marked on ', arrayStringConcat(groupUniqArray(symbol), ','), ': ',
           toString(round(avg(share) * 100)), '% of the notional before the close, pushed the price ',
           toString(round(avg(impact_bps))), ' bps its way, close moved ', toString(round(avg(move_bps))),
           ' bps') AS summary,
    concat('{"closes":[', arrayStringConcat(groupArray(20)(toJSONString(map(
        'symbol', symbol, 'close_at', toString(close_at), 'side', if(direction = 1, 'buy', 'sell'),
        'orders', toString(orders), 'share_pct', toString(round(share * 100, 1)),
        'concentration_pct', toString(round(concentration * 100, 1)), 'impact_bps', toString(round(impact_bps, 1)),
        'move_bps', toString(round(move_bps, 1)),
        'price_before', toString(before_price), 'close', toString(close_price)))), ','), ']}') AS evidence
FROM marked
GROUP BY account_id
HAVING count() >= {{min_closes}}
