-- data_quality: for each dataset of the last load, rows read, loaded and rejected, and which columns the rejects were about.
--
-- From load_summary and load_rejects: one row per dataset and rejected column (column null for
-- problems with the row as a whole, and for datasets with no rejects), with the dataset's
-- status (loaded, kept_previous, failed, absent), its row counts, the rejects about that column
-- and one example reason. Never shows raw rows; the example reason quotes the rejected value,
-- which can itself be an identifier, so it is for the data team, not for publication.
WITH by_column AS (
    SELECT dataset, "column" AS rejected_column, COUNT(*) AS rejects, MIN(reason) AS example_reason
    FROM load_rejects
    GROUP BY dataset, "column"
)
SELECT
    s.dataset,
    s.status,
    s.rows_read,
    s.rows_loaded,
    s.rows_rejected,
    c.rejected_column,
    COALESCE(c.rejects, 0) AS rejects,
    c.example_reason
FROM load_summary s
LEFT JOIN by_column c ON c.dataset = s.dataset
