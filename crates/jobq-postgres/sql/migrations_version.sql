SELECT coalesce(max(version), 0)::bigint FROM {schema}.migrations
