-- Question: do windy days bring cheap power? The daily day-ahead price beside onshore and offshore
--   wind energy, with the intraday and trailing 30-day price/wind correlations.
-- Parameters:
--   :bidding_zone  bidding zone, upper case (default DE-LU)
--   :start         first local day, YYYY-MM-DD, inclusive; empty = no bound (default empty)
--   :end           last local day, YYYY-MM-DD, inclusive; empty = no bound (default empty)
-- Columns: date (local day of the zone), price_avg_eur_mwh (time-weighted mean), negative_price_hours,
--   wind_onshore_gwh, wind_offshore_gwh, corr_intraday (price vs wind within the day),
--   corr_30d_onshore, corr_30d_offshore (price_avg vs wind energy over date-29 … date; −1 … 1)
-- Tables: daily_price_wind
SELECT date,
       ROUND(price_avg_eur_mwh, 2)            AS price_avg_eur_mwh,
       ROUND(negative_price_hours, 2)         AS negative_price_hours,
       ROUND(wind_onshore_mwh / 1000, 3)      AS wind_onshore_gwh,
       ROUND(wind_offshore_mwh / 1000, 3)     AS wind_offshore_gwh,
       ROUND(intraday_corr_price_wind, 3)     AS corr_intraday,
       ROUND(corr_30d_price_wind_onshore, 3)  AS corr_30d_onshore,
       ROUND(corr_30d_price_wind_offshore, 3) AS corr_30d_offshore
FROM daily_price_wind
WHERE bidding_zone = :bidding_zone
  AND (:start = '' OR date >= DATE(NULLIF(:start, '')))
  AND (:end = '' OR date <= DATE(NULLIF(:end, '')))
ORDER BY date
