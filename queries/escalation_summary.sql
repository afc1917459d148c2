-- escalation_summary: professional-difference escalations raised in the year to as_of, by level, theme and local authority.
--
-- Escalations raised in the 12 months up to as_of (as_of minus 12 months < raised_on <= as_of),
-- counted by one dimension at a time: dimension is 'level', 'theme' or 'local_authority' and
-- value its value; resolved = resolved on or before as_of, open = the rest.
WITH year AS (
    SELECT e.*, e.resolved_on IS NOT NULL AND e.resolved_on <= p.as_of AS resolved
    FROM escalations e
    CROSS JOIN params p
    WHERE e.raised_on <= p.as_of
      AND e.raised_on > p.as_of - INTERVAL '12 months'
)
SELECT 'level' AS dimension, CAST(level AS VARCHAR) AS value,
       COUNT(*) AS raised, COUNT(*) FILTER (WHERE resolved) AS resolved,
       COUNT(*) FILTER (WHERE NOT resolved) AS open
FROM year GROUP BY level
UNION ALL
SELECT 'theme', theme, COUNT(*), COUNT(*) FILTER (WHERE resolved), COUNT(*) FILTER (WHERE NOT resolved)
FROM year GROUP BY theme
UNION ALL
SELECT 'local_authority', local_authority, COUNT(*), COUNT(*) FILTER (WHERE resolved), COUNT(*) FILTER (WHERE NOT resolved)
FROM year GROUP BY local_authority
