"""What every part stands on: the database, settings, migrations, errors, input validation, the durable job queue and its worker, and the persisted-query store."""
