"""The shared library of the jobs: config, Spark session, table I/O, the Energy-Charts client, the
CDC merge, validation and the run log. No job logic lives here."""
