-- Sessions and use by person: what the trail holds per user. A gateway refusal carries no user, so it counts for the
-- user of its session. Token and cost budgets are not in the trail (the orchestrator keeps them): the use it holds is
-- tool calls and the time tools ran.
WITH records AS (
  SELECT
    r.*,
    coalesce(
      r.user_id,
      (
        SELECT earliest.user_id
        FROM audit_records AS earliest
        WHERE earliest.session_id = r.session_id AND earliest.user_id IS NOT NULL
        ORDER BY earliest.seq
        LIMIT 1
      ),
      '(no user)'
    ) AS person
  FROM audit_records AS r
  WHERE $__timeFilter(r.ts)
)
SELECT
  person,
  count(DISTINCT session_id) AS sessions,
  count(*) FILTER (WHERE kind = 'decision') AS tool_calls,
  count(*) FILTER (WHERE kind = 'decision' AND decision = 'allow') AS allowed,
  count(*) FILTER (WHERE kind = 'decision' AND decision = 'deny') AS denied,
  count(*) FILTER (WHERE kind = 'decision' AND escalation_result IS NOT NULL) AS escalated,
  count(*) FILTER (WHERE kind = 'outcome' AND result_status = 'error') AS tool_errors,
  count(*) FILTER (WHERE kind = 'verifier') AS refusals,
  coalesce(sum(duration_ms) FILTER (WHERE kind = 'outcome'), 0) / 1000.0 AS tool_seconds,
  min(ts) AS first_seen,
  max(ts) AS last_seen
FROM records
GROUP BY person
ORDER BY tool_calls DESC, person
