-- rule: book-integrity
-- title: Order-book integrity break on a market feed
-- severity: high
-- entity: market
-- episode_gap_s: 300
-- refresh_s: 2
-- resolve_after_s: 300
-- threshold: lookback_minutes = 10       -- integrity events this recent
-- threshold: min_events = 1              -- at least this many
-- description: The market connector reported sequence gaps, stale streams, disconnects or
--   dropped events for a venue's symbol (market_integrity). Inhibits the spread, depth and
--   price alerts of that venue and symbol (of every symbol only when the event names none).
-- runbook: The connector resyncs by itself; repeated breaks mean a network or venue problem.
--   Check connector logs and tradewatch_market_book_resyncs_total; resolves after quiet.
SELECT
    concat(toString(venue), ':', toString(symbol)) AS entity,
    CAST([], 'Array(String)') AS related,
    toString(venue) AS venue,
    min(occurred_at) AS first_seen,
    max(occurred_at) AS last_seen,
    min(produced_at) AS trigger_at,
    concat(toString(count()), ' integrity events: ',
           arrayStringConcat(arrayMap(x -> concat(x.1, '×', toString(x.2)), arraySort(arrayZip(
               groupUniqArray(toString(kind)) AS kinds, arrayMap(k -> countEqual(groupArray(toString(kind)), k), kinds)))), ', ')) AS summary,
    concat('{"events":[', arrayStringConcat(groupArray(20)(toJSONString(map('kind', toString(kind), 'stream', toString(stream),
        'expected', expected, 'got', got, 'detail', detail, 'at', toString(occurred_at)))), ','), ']}') AS evidence
FROM (SELECT * FROM market_integrity WHERE occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE LIMIT 1 BY event_id)
GROUP BY venue, symbol
HAVING count() >= {{min_events}}
