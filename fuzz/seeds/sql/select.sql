SELECT s.organisation_code, count(*) FILTER (WHERE t.level >= s.required_level) AS trained,
       count(DISTINCT s.staff_id) AS staff
FROM staff s LEFT JOIN training t ON t.staff_id = s.staff_id AND t.completed_on > DATE '2022-03-31'
GROUP BY GROUPING SETS ((s.organisation_code), ())
ORDER BY 2 DESC NULLS LAST;
