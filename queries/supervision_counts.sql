-- supervision_counts: staff requiring safeguarding supervision and staff who had it at every period end, by organisation and professional group.
--
-- What supervision_compliance and the SPC series count: supervision_status (where the rule is
-- written) counted per period end P (quarter and month ends), organisation and professional
-- group, for every group with anyone requiring supervision.
SELECT
    period_end,
    organisation_code,
    professional_group,
    COUNT(*) AS staff_requiring,
    COUNT(*) FILTER (WHERE supervised) AS staff_supervised
FROM supervision_status
GROUP BY period_end, organisation_code, professional_group
