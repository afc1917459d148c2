SELECT count(*) FROM staff;
-- a comment first
create or replace view v as select 1 as x; INSERT INTO staff SELECT * FROM staff; SET datafusion.execution.batch_size = 1; DROP TABLE IF EXISTS training;
