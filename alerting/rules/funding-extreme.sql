-- rule: funding-extreme
-- title: Funding extreme or flip on a perpetual
-- severity: warning
-- entity: market
-- episode_gap_s: 3600
-- refresh_s: 2
-- resolve_after_s: 900
-- threshold: extreme_rate = 0.001        -- |funding| per interval at least this (0.1 %)
-- threshold: flip_min_rate = 0.0001      -- a flip counts when both sides are at least this large
-- threshold: recent_minutes = 5          -- the current rate: the last update this recent
-- threshold: lookback_minutes = 60       -- the earlier rate: the last update before the recent minutes
-- description: The venue's current funding rate is extreme (either sign), or it flipped sign
--   against the rate before the recent minutes with both rates clear of zero, so noise around
--   zero is not a flip.
-- runbook: Extreme funding means a crowded side: check open interest and the basis (Derivatives
--   dashboard), our exposure on the symbol and the next funding time. A flip means positioning
--   turned: check for a liquidation cascade or news on the symbol.
WITH
    m AS
    (
        SELECT venue, symbol,
               argMaxIf(funding_rate, occurred_at, occurred_at >= now64(3) - INTERVAL {{recent_minutes}} MINUTE) AS now_rate,
               argMaxIf(produced_at, occurred_at, occurred_at >= now64(3) - INTERVAL {{recent_minutes}} MINUTE) AS now_produced,
               maxIf(occurred_at, occurred_at >= now64(3) - INTERVAL {{recent_minutes}} MINUTE) AS now_at,
               countIf(occurred_at >= now64(3) - INTERVAL {{recent_minutes}} MINUTE) AS recent_updates,
               argMaxIf(funding_rate, occurred_at, occurred_at < now64(3) - INTERVAL {{recent_minutes}} MINUTE) AS before_rate,
               countIf(occurred_at < now64(3) - INTERVAL {{recent_minutes}} MINUTE) AS earlier_updates,
               -- The first recent update clear of zero: where this episode's rate began.
               minIf(occurred_at, occurred_at >= now64(3) - INTERVAL {{recent_minutes}} MINUTE
                                  AND abs(funding_rate) >= {{flip_min_rate}}) AS since_at
        FROM market_mark AS mm
        WHERE mm.occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE AND mm.occurred_at <= now64(3)
        GROUP BY venue, symbol
    )
SELECT
    concat(toString(venue), ':', toString(symbol)) AS entity,
    CAST([], 'Array(String)') AS related,
    toString(venue) AS venue,
    abs(now_rate) >= {{extreme_rate}} AS extreme,
    earlier_updates > 0 AND now_rate * before_rate < 0
      AND abs(now_rate) >= {{flip_min_rate}} AND abs(before_rate) >= {{flip_min_rate}} AS flipped,
    since_at AS first_seen,
    now_at AS last_seen,
    now_produced AS trigger_at,
    concat(if(extreme, 'extreme funding ', 'funding flipped to '), toString(round(now_rate * 100, 4)), ' %',
           if(flipped, concat(' from ', toString(round(before_rate * 100, 4)), ' %'), '')) AS summary,
    concat('{"funding_rate":', toString(now_rate), ',"earlier_rate":', if(earlier_updates > 0, toString(before_rate), 'null'),
           ',"annualised":', toString(round(now_rate * 1095, 4)), ',"kind":"', if(extreme, 'extreme', 'flip'), '"}') AS evidence
FROM m
WHERE recent_updates > 0 AND (extreme OR flipped)
