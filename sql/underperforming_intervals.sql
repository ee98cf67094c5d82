-- Question: which half-hours did a renewable series underperform its expected capacity factor?
-- Parameters:
--   :country          country code, lower case (default de)
--   :production_type  Solar, Wind onshore or Wind offshore; empty = all three (default empty)
--   :start            first UTC day of interval_start, YYYY-MM-DD; empty = no bound (default empty)
--   :end              last UTC day of interval_start, YYYY-MM-DD, inclusive; empty = no bound (default empty)
-- Columns: interval_start (UTC), local_slot (local clock time the half-hour starts, from slot_local),
--   day_of_week_local (1 = Monday), production_type, avg_mw, installed_mw, capacity_factor,
--   expected_cf (28-day mean of the slot), performance_ratio, price_eur_mwh
-- Tables: underperformance_features
SELECT interval_start,
       LPAD(CAST(slot_local DIV 2 AS STRING), 2, '0') || ':' || IF(slot_local % 2 = 0, '00', '30') AS local_slot,
       day_of_week_local,
       production_type,
       ROUND(avg_mw, 1)            AS avg_mw,
       ROUND(installed_mw, 1)      AS installed_mw,
       ROUND(capacity_factor, 4)   AS capacity_factor,
       ROUND(expected_cf, 4)       AS expected_cf,
       ROUND(performance_ratio, 3) AS performance_ratio,
       ROUND(price_eur_mwh, 2)     AS price_eur_mwh
FROM underperformance_features
WHERE country = :country
  AND is_underperforming
  AND (:production_type = '' OR production_type = :production_type)
  AND (:start = '' OR interval_start >= TIMESTAMP(NULLIF(:start, '')))
  AND (:end = '' OR interval_start < TIMESTAMP(NULLIF(:end, '')) + INTERVAL 1 DAY)
ORDER BY interval_start, production_type
