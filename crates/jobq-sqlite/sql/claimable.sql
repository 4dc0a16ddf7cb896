-- Whether a claim on queue ?1 at ?2 would find a ready job, or an expired lease to return
-- first. Two index probes.
SELECT EXISTS (
    SELECT 1 FROM jobq_jobs INDEXED BY jobq_jobs_ready
    WHERE state = 'queued' AND queue = ?1 AND run_at <= ?2
) OR EXISTS (
    SELECT 1 FROM jobq_jobs INDEXED BY jobq_jobs_leases
    WHERE state = 'running' AND lease_until <= ?2
)
