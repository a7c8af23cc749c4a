-- The compose demo's runtime role: the verifier connects as it, owning nothing; `migrate` (as the schema's owner,
-- optout) grants it exactly what `run` needs. Run once by the postgres image when its data folder is created.
CREATE ROLE verifier_run LOGIN PASSWORD 'verifier-run-demo-password';
