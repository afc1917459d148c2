-- section11_rounds: each organisation's Section 11 audit rounds, each with the round before it.
--
-- One row per organisation and audit round present in section11_ratings; previous_round is the
-- organisation's latest earlier round by text order (so `2023` comes before `2025`), null for its
-- first round. Movement between rounds (section11_summary, section11_standards) is measured
-- against this round.
WITH rounds AS (
    SELECT DISTINCT organisation_code, audit_round FROM section11_ratings
)
SELECT r.organisation_code, r.audit_round, MAX(e.audit_round) AS previous_round
FROM rounds r
LEFT JOIN rounds e
  ON e.organisation_code = r.organisation_code
 AND e.audit_round < r.audit_round
GROUP BY r.organisation_code, r.audit_round
