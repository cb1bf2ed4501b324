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
    dealings AS
    (
        -- The account's dealings in each announced asset, joined once with its announcement: each
        -- trade on our book once per side (dir +1 for the buyer, −1 for the seller) and each
        -- completed deposit (dir 0). One join, not one per kind: ClickHouse analyses a subquery
        -- again at every reference, and that analysis, not the data, was this rule's cost.
        SELECT a.listing_id AS listing_id, a.venue AS announcer, a.asset AS asset, a.announced_at AS announced_at,
               a.announced_produced AS announced_produced, d.account_id AS account_id, d.dir AS dir,
               d.price AS price, d.quantity AS quantity, d.at AS at, d.produced_at AS produced_at,
               d.at < a.announced_at AS before,
               d.at >= a.announced_at - INTERVAL {{before_hours}} HOUR AS recent
        FROM
        (
            SELECT leg.1 AS account_id, leg.2 AS dir, base, price, quantity, at, produced_at
            FROM
            (
                SELECT event_id, replaceRegexpOne(toString(symbol), '(USDT|USDC|FDUSD)$', '') AS base,
                       price, quantity, occurred_at AS at, produced_at,
                       if(aggressor_side = 'buy', taker_account_id, maker_account_id) AS buyer,
                       if(aggressor_side = 'buy', maker_account_id, taker_account_id) AS seller
                FROM engine_executions
                WHERE occurred_at >= now64(3) - INTERVAL {{lookback_hours}} HOUR - INTERVAL {{history_days}} DAY
                  AND symbol IN (SELECT arrayJoin([concat(asset, 'USDT'), concat(asset, 'USDC'), concat(asset, 'FDUSD')])
                                 FROM announced)
                LIMIT 1 BY event_id
            )
            ARRAY JOIN [(buyer, toInt8(1)), (seller, toInt8(-1))] AS leg
            UNION ALL
            SELECT account_id, toInt8(0), toString(asset), toFloat64(0), amount, occurred_at, produced_at
            FROM
            (
                SELECT account_id, asset, amount, occurred_at, produced_at FROM user_funds
                WHERE direction = 'deposit' AND status = 'completed'
                  AND occurred_at >= now64(3) - INTERVAL {{lookback_hours}} HOUR - INTERVAL {{history_days}} DAY
                LIMIT 1 BY transfer_id
            )
        ) AS d
        INNER JOIN announced AS a ON a.asset = d.base
        WHERE d.at >= a.announced_at - INTERVAL {{history_days}} DAY
          AND if(d.dir = 0, d.at < a.announced_at, d.at <= a.announced_at + INTERVAL {{after_hours}} HOUR)
    ),
    positions AS
    (
        SELECT listing_id, account_id, any(announcer) AS announcer, any(asset) AS asset,
               any(announced_at) AS announced_at, any(announced_produced) AS announced_produced,
               any(pre_price) AS pre_price,
               sumIf(quantity, dir = 1 AND before AND recent) AS bought_qty,
               sumIf(price * quantity, dir = 1 AND before AND recent) AS bought_usd,
               sumIf(quantity, dir = -1 AND before AND recent) AS sold_before_qty,
               sumIf(price * quantity, dir = 1 AND before AND NOT recent) AS history_usd,
               sumIf(quantity, dir = -1 AND NOT before) AS sold_qty,
               sumIf(price * quantity, dir = -1 AND NOT before) AS sold_usd,
               minIf(at, dir = 1 AND before AND recent) AS first_buy_at,
               maxIf(at, dir = -1 AND NOT before) AS last_sell_at,
               sumIf(quantity, dir = 0 AND recent) AS deposited_qty,
               sumIf(quantity, dir = 0 AND NOT recent) AS history_deposited_qty,
               minIf(at, dir = 0) AS first_deposit_at,
               -- The sells after the news in order: the one whose running totals first clear the
               -- profit bars completes the pattern and is the trigger (latency counts from it).
               arraySort(s -> s.1, groupArrayIf((at, produced_at, toFloat64(quantity), toFloat64(price * quantity)),
                   dir = -1 AND NOT before)) AS sells
        FROM
        (
            -- Where the asset stood on our book when the news came (the last trade before it, else
            -- the first after): the value of a deposit.
            SELECT *, if(countIf(dir != 0 AND before) OVER listing > 0, argMaxIf(price, at, dir != 0 AND before) OVER listing,
                         argMinIf(price, at, dir != 0 AND NOT before) OVER listing) AS pre_price
            FROM dealings
            WINDOW listing AS (PARTITION BY listing_id)
        )
        GROUP BY listing_id, account_id
        HAVING sold_qty > 0
    ),
    judged AS
    (
        SELECT account_id, announcer, asset, listing_id, announced_at, pre_price, bought_usd,
               deposited_qty, deposited_qty * pre_price AS deposited_usd,
               bought_qty + deposited_qty AS acquired_qty,
               (bought_usd + deposited_usd) / acquired_qty AS cost,
               greatest(acquired_qty - sold_before_qty, 0) AS position_qty,
               position_qty * cost AS position_usd,
               (bought_usd + deposited_usd) * 100
                   / (bought_usd + deposited_usd + history_usd + history_deposited_qty * pre_price) AS new_pct,
               sold_usd / sold_qty AS sell_price,
               least(sold_qty, position_qty) * (sell_price - cost) AS profit_usd,
               (sell_price / cost - 1) * 10000 AS profit_bps,
               if(deposited_qty > 0 AND (bought_qty = 0 OR first_deposit_at < first_buy_at), first_deposit_at, first_buy_at) AS first_at,
               last_sell_at AS last_at,
               arrayCumSum(arrayMap(s -> s.3, sells)) AS cum_qty,
               arrayCumSum(arrayMap(s -> s.4, sells)) AS cum_usd,
               -- The final totals clear the bars (WHERE below), so some prefix does: at the latest the last sell.
               arrayFirstIndex((q, u) -> least(q, position_qty) * (u / q - cost) >= {{min_profit_usd}}
                   AND (u / q / cost - 1) * 10000 >= {{min_profit_bps}}, cum_qty, cum_usd) AS crossing,
               greatest(sells[greatest(crossing, 1)].2, announced_produced) AS trigger_produced
        FROM positions
        WHERE acquired_qty > 0 AND pre_price > 0
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
