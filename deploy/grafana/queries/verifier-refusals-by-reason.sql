-- Verifier refusals by reason: calls the gateway refused to execute (a forged, replayed or expired decision, or
-- arguments other than the ones decided) — attempted bypasses of the policy.
SELECT
  record #>> '{refusal,reason}' AS reason,
  count(*) AS refusals,
  count(DISTINCT session_id) AS sessions
FROM audit_records
WHERE kind = 'verifier' AND $__timeFilter(ts)
GROUP BY 1
ORDER BY refusals DESC, reason
