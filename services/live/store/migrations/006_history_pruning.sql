-- Retention of resolved alert history (`optout-verifier audit prune`, run as the schema's owner).
--
-- A pruned change keeps its position and hash, and nothing else: the chain still runs from position 1 to the head,
-- and `audit verify` takes a pruned row's stored hash as given (it cannot be recomputed without the change) and
-- goes on checking every row after it. Each prune is noted in alert_log_prunes.
ALTER TABLE alert_log ALTER COLUMN alert_id DROP NOT NULL;
ALTER TABLE alert_log ALTER COLUMN transition DROP NOT NULL;
ALTER TABLE alert_log ALTER COLUMN change DROP NOT NULL;
ALTER TABLE alert_log ADD COLUMN pruned_at timestamptz;
ALTER TABLE alert_log ADD CONSTRAINT alert_log_pruned_whole
  CHECK (CASE WHEN pruned_at IS NULL THEN alert_id IS NOT NULL AND transition IS NOT NULL AND change IS NOT NULL
              ELSE alert_id IS NULL AND transition IS NULL AND change IS NULL END);

CREATE TABLE alert_log_prunes (
  pruned_at timestamptz PRIMARY KEY DEFAULT clock_timestamp(),
  resolved_before timestamptz NOT NULL,
  alerts integer NOT NULL,
  changes integer NOT NULL,
  pruned_by text NOT NULL DEFAULT current_user
);
