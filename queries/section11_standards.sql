-- section11_standards: every Section 11 rating with the standard's name and its movement since the organisation's previous round.
--
-- One row per organisation, audit round and standard (1-8, named as in the Children Act 2004
-- Section 11 guidance), with the rating, the previous round's rating for the same standard
-- (previous round from section11_rounds) and change: improved, worsened or same
-- (red < amber < green), null without a previous rating.
WITH names (standard, standard_name) AS (
    VALUES
        (1, 'Senior management commitment to safeguarding'),
        (2, 'Clear statement of responsibilities, available to all staff'),
        (3, 'Clear line of accountability'),
        (4, 'Service development informed by the views of children and families'),
        (5, 'Safeguarding training for all staff working with or in contact with children'),
        (6, 'Safer recruitment, vetting and allegations management'),
        (7, 'Effective inter-agency working'),
        (8, 'Information sharing')
)
SELECT
    c.organisation_code,
    c.audit_round,
    c.standard,
    n.standard_name,
    c.rating,
    p.previous_round,
    b.rating AS previous_rating,
    CASE
        WHEN b.rating IS NULL THEN NULL
        WHEN CASE c.rating WHEN 'green' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END
           > CASE b.rating WHEN 'green' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END THEN 'improved'
        WHEN CASE c.rating WHEN 'green' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END
           < CASE b.rating WHEN 'green' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END THEN 'worsened'
        ELSE 'same'
    END AS change
FROM section11_ratings c
JOIN section11_rounds p
  ON p.organisation_code = c.organisation_code
 AND p.audit_round = c.audit_round
JOIN names n ON n.standard = c.standard
LEFT JOIN section11_ratings b
  ON b.organisation_code = c.organisation_code
 AND b.audit_round = p.previous_round
 AND b.standard = c.standard
