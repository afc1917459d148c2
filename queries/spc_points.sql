-- spc_points: the monthly numerators and denominators of the SPC series, before any charting.
--
-- training: staff compliant / staff in post (training_counts); supervision: staff supervised /
-- staff requiring (supervision_counts); at each of the 36 month ends up to
-- as_of, for the whole footprint (organisation_code null) and for each organisation.
SELECT 'training' AS metric, t.organisation_code, t.period_end AS month_end,
       SUM(t.staff_compliant) AS numerator, SUM(t.staff_in_post) AS denominator
FROM training_counts t
JOIN month_ends m ON m.month_end = t.period_end
GROUP BY GROUPING SETS ((t.period_end), (t.period_end, t.organisation_code))
UNION ALL
SELECT 'supervision' AS metric, s.organisation_code, s.period_end AS month_end,
       SUM(s.staff_supervised) AS numerator, SUM(s.staff_requiring) AS denominator
FROM supervision_counts s
JOIN month_ends m ON m.month_end = s.period_end
GROUP BY GROUPING SETS ((s.period_end), (s.period_end, s.organisation_code))
