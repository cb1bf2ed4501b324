-- rule: insider-before-listing
-- title: Insider trading before a listing: positioned shortly before the announcement, sold at a profit after
-- severity: high
-- entity: account
-- episode_gap_s: 86400
-- refresh_s: 2
-- resolve_after_s: 0
-- threshold: lookback_hours = 48          -- announcements this recent are judged
-- threshold: before_hours = 72            -- buys and deposits this long before the announcement are the position
-- threshold: after_hours = 24             -- sells this long after it are the profit
-- threshold: history_days = 30            -- the account's earlier buying and deposits of the asset: its usual
-- threshold: min_new_pct = 80             -- share of its buying + deposits of the asset (history_days) made in the before window
-- threshold: min_position_usd = 20000     -- net position built before the announcement (bought + deposited − sold)
-- threshold: min_profit_usd = 500         -- realised on that position by the sells after it
-- threshold: min_profit_bps = 100         -- sell VWAP over the position's cost
-- description: For each listing announcement (ours or another venue's, topic `listings`; the first
--   per asset in the lookback is the one that made it public), the accounts that built a position in
--   the asset on our book (spot symbols quoted in USDT, USDC or FDUSD) or deposited it in the hours
--   before, most of their dealing in the asset over a month falling in those hours, then sold it after
--   the announcement at a profit. Deposits are valued at our last trade before the announcement.
-- runbook: Find out who knew: the account's KYC, employer, links to our listing team or the project
--   (the announcing venue's too); when it first acquired the asset elsewhere (deposit tx on chain);
--   other accounts that bought in the same hours from the same IPs or devices. Freeze withdrawals of
--   the proceeds pending review; report to compliance, who decide on a suspicious-activity report.
WITH
    announced AS
    (
        SELECT listing_id, venue, asset, announced_at, produced_at AS announced_produced
        FROM listings
        WHERE announced_at >= now64(3) - INTERVAL {{lookback_hours}} HOUR
        ORDER BY announced_at
        LIMIT 1 BY asset
    ),
    trades AS
    (
        SELECT event_id, replaceRegexpOne(toString(symbol), '(USDT|USDC|FDUSD)$', '') AS base,
               price, quantity, occurred_at AS at, produced_at,
               if(aggressor_side = 'buy', taker_account_id, maker_account_id) AS buyer,
               if(aggressor_side = 'buy', maker_account_id, taker_account_id) AS seller
        FROM engine_executions
        WHERE occurred_at >= now64(3) - INTERVAL {{lookback_hours}} HOUR - INTERVAL {{history_days}} DAY
          AND symbol IN (SELECT arrayJoin([concat(asset, 'USDT'), concat(asset, 'USDC'), concat(asset, 'FDUSD')]) FROM announced)
        LIMIT 1 BY event_id
    ),
    legs AS
    (
        -- Each trade once per side: +1 for the buyer, −1 for the seller.
        SELECT a.listing_id AS listing_id, leg.1 AS account_id, leg.2 AS dir, t.price AS price, t.quantity AS quantity,
               t.at AS at, t.produced_at AS produced_at, t.at < a.announced_at AS before,
               t.at >= a.announced_at - INTERVAL {{before_hours}} HOUR AS recent
        FROM (SELECT *, [(buyer, toInt8(1)), (seller, toInt8(-1))] AS sides FROM trades) AS t
        ARRAY JOIN sides AS leg
        INNER JOIN announced AS a ON a.asset = t.base
        WHERE t.at >= a.announced_at - INTERVAL {{history_days}} DAY
          AND t.at <= a.announced_at + INTERVAL {{after_hours}} HOUR
    ),
    prices AS
    (
        -- Where the asset stood on our book when the news came: the value of a deposit.
        SELECT listing_id, if(countIf(before) > 0, argMaxIf(price, at, before), argMinIf(price, at, NOT before)) AS pre_price
        FROM legs
        GROUP BY listing_id
    ),
    deposits AS
    (
        SELECT a.listing_id AS listing_id, f.account_id AS account_id,
               sumIf(f.amount, f.occurred_at >= a.announced_at - INTERVAL {{before_hours}} HOUR) AS recent_qty,
               sumIf(f.amount, f.occurred_at < a.announced_at - INTERVAL {{before_hours}} HOUR) AS history_qty,
               min(f.occurred_at) AS first_at
        FROM
        (
            SELECT account_id, toString(asset) AS asset, amount, occurred_at FROM user_funds
            WHERE direction = 'deposit' AND status = 'completed' AND asset IN (SELECT asset FROM announced)
              AND occurred_at >= now64(3) - INTERVAL {{lookback_hours}} HOUR - INTERVAL {{history_days}} DAY
            LIMIT 1 BY transfer_id
        ) AS f
        INNER JOIN announced AS a ON a.asset = f.asset
        WHERE f.occurred_at >= a.announced_at - INTERVAL {{history_days}} DAY AND f.occurred_at < a.announced_at
        GROUP BY listing_id, account_id
    ),
    positions AS
    (
        SELECT listing_id, account_id,
               sumIf(quantity, dir = 1 AND before AND recent) AS bought_qty,
               sumIf(price * quantity, dir = 1 AND before AND recent) AS bought_usd,
               sumIf(quantity, dir = -1 AND before AND recent) AS sold_before_qty,
               sumIf(price * quantity, dir = 1 AND before AND NOT recent) AS history_usd,
               sumIf(quantity, dir = -1 AND NOT before) AS sold_qty,
               sumIf(price * quantity, dir = -1 AND NOT before) AS sold_usd,
               minIf(at, dir = 1 AND before AND recent) AS first_buy_at,
               maxIf(at, dir = -1 AND NOT before) AS last_sell_at,
               -- The sells after the news in order: the one whose running totals first clear the
               -- profit bars completes the pattern and is the trigger (latency counts from it).
               arraySort(s -> s.1, groupArrayIf((at, produced_at, toFloat64(quantity), toFloat64(price * quantity)),
                   dir = -1 AND NOT before)) AS sells
        FROM legs
        GROUP BY listing_id, account_id
        HAVING sold_qty > 0
    ),
    judged AS
    (
        SELECT p.account_id AS account_id, a.venue AS announcer, a.asset AS asset, a.listing_id AS listing_id,
               a.announced_at AS announced_at, r.pre_price AS pre_price, p.bought_usd AS bought_usd,
               d.recent_qty AS deposited_qty, d.recent_qty * r.pre_price AS deposited_usd,
               p.bought_qty + d.recent_qty AS acquired_qty,
               (p.bought_usd + deposited_usd) / acquired_qty AS cost,
               greatest(acquired_qty - p.sold_before_qty, 0) AS position_qty,
               position_qty * cost AS position_usd,
               (p.bought_usd + deposited_usd) * 100
                   / (p.bought_usd + deposited_usd + p.history_usd + d.history_qty * r.pre_price) AS new_pct,
               p.sold_usd / p.sold_qty AS sell_price,
               least(p.sold_qty, position_qty) * (sell_price - cost) AS profit_usd,
               (sell_price / cost - 1) * 10000 AS profit_bps,
               if(d.recent_qty > 0 AND (p.bought_qty = 0 OR d.first_at < p.first_buy_at), d.first_at, p.first_buy_at) AS first_at,
               p.last_sell_at AS last_at,
               arrayCumSum(arrayMap(s -> s.3, p.sells)) AS cum_qty,
               arrayCumSum(arrayMap(s -> s.4, p.sells)) AS cum_usd,
               -- The final totals clear the bars (WHERE below), so some prefix does: at the latest the last sell.
               arrayFirstIndex((q, u) -> least(q, position_qty) * (u / q - cost) >= {{min_profit_usd}}
                   AND (u / q / cost - 1) * 10000 >= {{min_profit_bps}}, cum_qty, cum_usd) AS crossing,
               greatest(p.sells[greatest(crossing, 1)].2, a.announced_produced) AS trigger_produced
        FROM positions AS p
        INNER JOIN announced AS a ON a.listing_id = p.listing_id
        INNER JOIN prices AS r ON r.listing_id = p.listing_id
        LEFT JOIN deposits AS d ON d.listing_id = p.listing_id AND d.account_id = p.account_id
        WHERE acquired_qty > 0 AND r.pre_price > 0
          AND position_usd >= {{min_position_usd}}
          AND new_pct >= {{min_new_pct}}
          AND profit_usd >= {{min_profit_usd}}
          AND profit_bps >= {{min_profit_bps}}
    )
SELECT
    account_id AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    min(first_at) AS first_seen,
    max(last_at) AS last_seen,
    min(trigger_produced) AS trigger_at,
    concat('positioned in ', arrayStringConcat(groupUniqArray(asset), ','), ' worth ', toString(round(sum(position_usd))),
           ' USD before the listing announcement (', arrayStringConcat(groupUniqArray(announcer), ','), '), sold after for ',
           toString(round(sum(profit_usd))), ' USD profit (', toString(round(avg(profit_bps))), ' bps)') AS summary,
    concat('{"listings":[', arrayStringConcat(groupArray(20)(toJSONString(map(
        'listing_id', listing_id, 'venue', announcer, 'asset', asset, 'announced_at', toString(announced_at),
        'bought_usd', toString(round(bought_usd, 2)), 'deposited_qty', toString(deposited_qty),
        'deposited_usd', toString(round(deposited_usd, 2)), 'pre_announcement_price', toString(pre_price),
        'position_usd', toString(round(position_usd, 2)), 'cost', toString(cost), 'sell_price', toString(round(sell_price, 8)),
        'profit_usd', toString(round(profit_usd, 2)), 'profit_bps', toString(round(profit_bps, 1)),
        'new_pct', toString(round(new_pct, 1)), 'first_at', toString(first_at), 'last_sell_at', toString(last_at)))), ','), ']}') AS evidence
FROM judged
GROUP BY account_id
