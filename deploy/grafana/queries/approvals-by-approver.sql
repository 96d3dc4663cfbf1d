-- Approvals by approver: who answered escalations, and how. The auto-approver and the session whitelist appear under
-- their own names ("auto-approver", "whitelist"); an escalation nobody answered in time is "(expired)".
SELECT
  coalesce(record #>> '{escalation,approver}', '(expired)') AS approver,
  count(*) FILTER (WHERE escalation_result = 'approved') AS approved,
  count(*) FILTER (WHERE escalation_result = 'denied') AS denied
FROM audit_records
WHERE kind = 'decision' AND escalation_result IS NOT NULL AND $__timeFilter(ts)
GROUP BY 1
ORDER BY approved DESC, denied DESC, approver
