-- Question: how did each solar plant do per local day, against its national fleet and the market?
-- Parameters:
--   :site_id  one site; empty = every solar site (default empty)
--   :start    first local day, YYYY-MM-DD, inclusive; empty = no bound (default empty)
--   :end      last local day, YYYY-MM-DD, inclusive; empty = no bound (default empty)
-- Columns: site_id, name, date (the site's local day), ac_energy_kwh, specific_yield_kwh_kwp,
--   fleet_specific_yield_kwh_kwp (country's solar energy / installed capacity), relative_to_fleet,
--   performance_ratio, availability (0–1), capture_price_eur_mwh (what the output earned per MWh),
--   price_avg_eur_mwh (the zone's time-weighted mean day-ahead price that day)
-- Tables: solar_site_daily, dim_site, daily_price_wind
SELECT k.site_id,
       s.name,
       k.date,
       ROUND(k.ac_energy_kwh, 1)                AS ac_energy_kwh,
       ROUND(k.specific_yield_kwh_kwp, 3)       AS specific_yield_kwh_kwp,
       ROUND(k.fleet_specific_yield_kwh_kwp, 3) AS fleet_specific_yield_kwh_kwp,
       ROUND(k.relative_to_fleet, 3)            AS relative_to_fleet,
       ROUND(k.performance_ratio, 3)            AS performance_ratio,
       ROUND(k.availability, 3)                 AS availability,
       ROUND(k.capture_price_eur_mwh, 2)        AS capture_price_eur_mwh,
       ROUND(p.price_avg_eur_mwh, 2)            AS price_avg_eur_mwh
FROM solar_site_daily k
JOIN dim_site s ON s.site_id = k.site_id
LEFT JOIN daily_price_wind p ON p.bidding_zone = s.bidding_zone AND p.date = k.date
WHERE (:site_id = '' OR k.site_id = :site_id)
  AND (:start = '' OR k.date >= DATE(NULLIF(:start, '')))
  AND (:end = '' OR k.date <= DATE(NULLIF(:end, '')))
ORDER BY k.site_id, k.date
