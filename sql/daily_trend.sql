-- Question: how much did each production type produce per local day, against its trailing weekly mean?
-- Parameters:
--   :country          country code, lower case (default de)
--   :production_type  one production type, e.g. Solar; empty = every type (default empty)
--   :start            first local day, YYYY-MM-DD, inclusive; empty = no bound (default empty)
--   :end              last local day, YYYY-MM-DD, inclusive; empty = no bound (default empty)
-- Columns: date (local day of the country), production_type, energy_gwh (net energy that day),
--   energy_gwh_7d_avg (mean of date-6 … date), avg_mw, max_mw, completeness (share of the day's
--   intervals reported, 0–1)
-- Tables: daily_production_trend
SELECT date,
       production_type,
       ROUND(energy_mwh / 1000, 3)        AS energy_gwh,
       ROUND(energy_mwh_7d_avg / 1000, 3) AS energy_gwh_7d_avg,
       ROUND(avg_mw, 1)                   AS avg_mw,
       ROUND(max_mw, 1)                   AS max_mw,
       ROUND(completeness, 3)             AS completeness
FROM daily_production_trend
WHERE country = :country
  AND (:production_type = '' OR production_type = :production_type)
  AND (:start = '' OR date >= DATE(NULLIF(:start, '')))
  AND (:end = '' OR date <= DATE(NULLIF(:end, '')))
ORDER BY date, energy_gwh DESC NULLS LAST
