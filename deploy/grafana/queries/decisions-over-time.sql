-- Decisions over time, by decision: the final decision of every tool call (after any escalation), per time bucket.
SELECT
  $__timeGroupAlias(ts, $__interval),
  decision AS metric,
  count(*) AS calls
FROM audit_records
WHERE kind = 'decision' AND $__timeFilter(ts)
GROUP BY 1, 2
ORDER BY 1, 2
