-- Top denied tools: calls whose final decision was deny (by the policy, a person, or an expired escalation).
SELECT
  server_name || '.' || tool_name AS tool,
  count(*) AS denied,
  count(DISTINCT session_id) AS sessions
FROM audit_records
WHERE kind = 'decision' AND decision = 'deny' AND $__timeFilter(ts)
GROUP BY 1
ORDER BY denied DESC, tool
LIMIT 10
