-- Included by the rules that link accounts ({{> account-links}} in their WITH): the rule's own
-- `keys` step (account_id, k: what ties an account to others in that rule) comes first.
links AS
(
    -- Accounts sharing a key, each pair both ways with the keys it shares. Each key's accounts
    -- are paired within one array: no self-join (a CTE is analysed again at every reference).
    SELECT pair.1 AS account_id, pair.2 AS linked_to, groupUniqArray(k) AS via
    FROM
    (
        SELECT k, groupUniqArray(account_id) AS accounts
        FROM keys
        WHERE k != ''
        GROUP BY k
        HAVING length(accounts) > 1
    )
    ARRAY JOIN arrayFilter(p -> p.1 != p.2, arrayFlatten(arrayMap(a -> arrayMap(b -> (a, b), accounts), accounts))) AS pair
    GROUP BY account_id, linked_to
),
