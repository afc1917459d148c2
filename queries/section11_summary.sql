-- section11_summary: each organisation's Section 11 self-audit by round, movement since its previous round, and its action plan.
--
-- One row per organisation and audit round: standards rated green, amber and red;
-- previous_round = the organisation's latest earlier round (section11_rounds); improved /
-- worsened = standards whose rating moved towards green / towards red since then (red < amber < green),
-- 0 without a previous round; and the round's actions: total, completed (completed_on <= as_of),
-- overdue (not completed and due_date < as_of).
WITH rounds AS (
    SELECT
        organisation_code,
        audit_round,
        COUNT(*) FILTER (WHERE rating = 'green') AS green,
        COUNT(*) FILTER (WHERE rating = 'amber') AS amber,
        COUNT(*) FILTER (WHERE rating = 'red') AS red
    FROM section11_ratings
    GROUP BY organisation_code, audit_round
),
movement AS (
    SELECT
        p.organisation_code,
        p.audit_round,
        COUNT(*) FILTER (WHERE
            CASE c.rating WHEN 'green' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END
          > CASE b.rating WHEN 'green' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END) AS improved,
        COUNT(*) FILTER (WHERE
            CASE c.rating WHEN 'green' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END
          < CASE b.rating WHEN 'green' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END) AS worsened
    FROM section11_rounds p
    JOIN section11_ratings c
      ON c.organisation_code = p.organisation_code
     AND c.audit_round = p.audit_round
    JOIN section11_ratings b
      ON b.organisation_code = p.organisation_code
     AND b.audit_round = p.previous_round
     AND b.standard = c.standard
    GROUP BY p.organisation_code, p.audit_round
),
actions AS (
    SELECT
        a.organisation_code,
        a.audit_round,
        COUNT(*) AS actions_total,
        COUNT(*) FILTER (WHERE a.completed_on <= p.as_of) AS actions_completed,
        COUNT(*) FILTER (WHERE (a.completed_on IS NULL OR a.completed_on > p.as_of)
                           AND a.due_date < p.as_of) AS actions_overdue
    FROM section11_actions a
    CROSS JOIN params p
    GROUP BY a.organisation_code, a.audit_round
)
SELECT
    r.organisation_code,
    r.audit_round,
    r.green,
    r.amber,
    r.red,
    p.previous_round,
    COALESCE(m.improved, 0) AS improved,
    COALESCE(m.worsened, 0) AS worsened,
    COALESCE(a.actions_total, 0) AS actions_total,
    COALESCE(a.actions_completed, 0) AS actions_completed,
    COALESCE(a.actions_overdue, 0) AS actions_overdue
FROM rounds r
JOIN section11_rounds p
  ON p.organisation_code = r.organisation_code
 AND p.audit_round = r.audit_round
LEFT JOIN movement m
  ON m.organisation_code = r.organisation_code
 AND m.audit_round = r.audit_round
LEFT JOIN actions a
  ON a.organisation_code = r.organisation_code
 AND a.audit_round = r.audit_round
