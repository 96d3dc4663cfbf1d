-- Verifier refusals, newest first. A refusal carries no user: it is shown with the user of its session. The message
-- is partly what the agent sent: it is cut to 300 characters, and its control and bidirectional-override characters
-- are shown as U+FFFD, so it cannot reorder or hide the text around it.
SELECT
  r.ts AS "time",
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
  ) AS person,
  r.session_id,
  r.server_name || '.' || r.tool_name AS tool,
  r.record #>> '{refusal,reason}' AS reason,
  regexp_replace(
    left(r.record #>> '{refusal,message}', 300),
    '[\u0001-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]',
    chr(65533),
    'g'
  ) AS message
FROM audit_records AS r
WHERE r.kind = 'verifier' AND $__timeFilter(r.ts)
ORDER BY r.ts DESC, r.session_id, r.seq DESC
LIMIT 200
