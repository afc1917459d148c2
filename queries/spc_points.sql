-- spc_points: the monthly numerators and denominators of the SPC series, before any charting.
--
-- training: staff compliant / staff in post (rules of training_status); supervision: staff
-- supervised / staff requiring (rules of supervision_status); at each of the 36 month ends up to
-- as_of, for the whole footprint (organisation_code null) and for each organisation.
SELECT 'training' AS metric, t.organisation_code, t.period_end AS month_end,
       COUNT(*) FILTER (WHERE t.compliant) AS numerator, COUNT(*) AS denominator
FROM training_status t
JOIN month_ends m ON m.month_end = t.period_end
GROUP BY GROUPING SETS ((t.period_end), (t.period_end, t.organisation_code))
UNION ALL
SELECT 'supervision' AS metric, s.organisation_code, s.period_end AS month_end,
       COUNT(*) FILTER (WHERE s.supervised) AS numerator, COUNT(*) AS denominator
FROM supervision_status s
JOIN month_ends m ON m.month_end = s.period_end
GROUP BY GROUPING SETS ((s.period_end), (s.period_end, s.organisation_code))
