-- Question: what did one sensor measure, minute by minute?
-- Parameters:
--   :sensor_id  the sensor, as in the registry (conf/iot/) (required)
--   :start      first UTC minute, YYYY-MM-DD or YYYY-MM-DD HH:MM, inclusive; empty = no bound (default empty)
--   :end        end UTC minute, exclusive, same formats; empty = no bound (default empty)
-- Columns: minute_utc, site_id, mean_value, min_value, max_value (over the minute's non-null
--   readings, in unit), unit (from the registry), sample_count (readings with a value)
-- Tables: sensor_readings_1min, dim_sensor
SELECT r.minute_utc,
       r.site_id,
       r.mean_value,
       r.min_value,
       r.max_value,
       s.unit,
       r.sample_count
FROM sensor_readings_1min r
LEFT JOIN dim_sensor s ON s.sensor_id = r.sensor_id
WHERE r.sensor_id = :sensor_id
  AND (:start = '' OR r.minute_utc >= TIMESTAMP(NULLIF(:start, '')))
  AND (:end = '' OR r.minute_utc < TIMESTAMP(NULLIF(:end, '')))
ORDER BY r.minute_utc
