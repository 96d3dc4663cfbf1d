-- Escalation wait time: how long calls waited for a person's answer (answered or expired), p50 and p95 in seconds.
-- Auto-approved and whitelisted escalations are left out: nobody was asked. Reads escalation.waitMs of the decision
-- record: the ticket's opened-to-settled time, as the escalation-router reports it to the PDP.
SELECT
  count(*) AS escalations,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_ms) / 1000.0 AS p50_seconds,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY wait_ms) / 1000.0 AS p95_seconds
FROM (
  SELECT (record #>> '{escalation,waitMs}')::double precision AS wait_ms
  FROM audit_records
  WHERE kind = 'decision'
    AND escalation_result IS NOT NULL
    AND auto_approved IS NOT TRUE
    AND whitelist_approved IS NOT TRUE
    AND jsonb_typeof(record #> '{escalation,waitMs}') = 'number'
    AND $__timeFilter(ts)
) AS waits
