WITH last AS (
  SELECT staff_id, completed_on, LEAD(completed_on) OVER (PARTITION BY staff_id ORDER BY completed_on) AS next
  FROM training
)
SELECT staff_id, CAST(completed_on AS BIGINT) AS days FROM last WHERE next IS NULL;
COPY (SELECT * FROM staff) TO '/tmp/safeguard-fuzz-copy.csv';
