-- Question: which sensor-hours can we trust least?
-- Parameters:
--   :site_id  one site; empty = every site (default empty)
--   :limit    how many sensor-hours, worst first (default 20)
-- Columns: sensor_id, site_id, hour_utc, quality_score (0 silent … 1 complete and clean),
--   completeness (received / expected samples), expected_samples, received_samples,
--   duplicate_count, out_of_range_count, late_count
-- Tables: sensor_quality_hourly
SELECT sensor_id, site_id, hour_utc, quality_score, completeness, expected_samples, received_samples,
       duplicate_count, out_of_range_count, late_count
FROM (
  SELECT q.*, ROW_NUMBER() OVER (ORDER BY quality_score, hour_utc, sensor_id) AS rank
  FROM sensor_quality_hourly q
  WHERE :site_id = '' OR site_id = :site_id
)
WHERE rank <= CAST(:limit AS INT)
ORDER BY rank
