-- Top escalated tools: calls the policy sent to escalation, and how they ended.
SELECT
  server_name || '.' || tool_name AS tool,
  count(*) AS escalated,
  count(*) FILTER (WHERE escalation_result = 'approved') AS approved,
  count(*) FILTER (WHERE escalation_result = 'denied') AS denied
FROM audit_records
WHERE kind = 'decision' AND escalation_result IS NOT NULL AND $__timeFilter(ts)
GROUP BY 1
ORDER BY escalated DESC, tool
LIMIT 10
