-- Auto-approved and whitelisted share: how escalations were settled, as counts and as shares of all escalations.
SELECT
  count(*) AS escalations,
  count(*) FILTER (WHERE auto_approved) AS auto_approved,
  count(*) FILTER (WHERE whitelist_approved) AS whitelisted,
  count(*) FILTER (
    WHERE escalation_result = 'approved' AND auto_approved IS NOT TRUE AND whitelist_approved IS NOT TRUE
  ) AS approved_by_person,
  count(*) FILTER (WHERE escalation_result = 'denied') AS denied,
  (count(*) FILTER (WHERE auto_approved))::double precision / nullif(count(*), 0) AS auto_approved_share,
  (count(*) FILTER (WHERE whitelist_approved))::double precision / nullif(count(*), 0) AS whitelisted_share
FROM audit_records
WHERE kind = 'decision' AND escalation_result IS NOT NULL AND $__timeFilter(ts)
