-- The alert history, tamper-evident, and the alert lifecycle enforced by the database itself.
--
-- alert_log: every alert state change, appended in the decider's fenced commit with the alert and its outbox row.
-- change is the change's canonical form (services/audit/alert-change-form.ts; the README defines it byte for
-- byte); hash = SHA-256(hash of the previous position || UTF-8 bytes of change), 32 zero bytes before position 1.
-- The trigger below sets position and hash, whatever the inserting statement gave: a writer cannot choose them.
-- The runtime role may only INSERT and SELECT here (runtime-privileges.ts); `optout-verifier audit verify`
-- recomputes the chain and names the first position where an edited, deleted or reordered row breaks it.
CREATE TABLE alert_log (
  position bigint PRIMARY KEY CHECK (position > 0),
  alert_id text NOT NULL,
  transition text NOT NULL,
  change text NOT NULL,
  hash bytea NOT NULL CHECK (length(hash) = 32),
  UNIQUE (alert_id, transition)
);

CREATE FUNCTION alert_log_append() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head_position bigint;
  head_hash bytea;
BEGIN
  -- Rows inserted earlier by the same statement are visible here, so one statement appends a run of changes.
  SELECT position, hash INTO head_position, head_hash FROM alert_log ORDER BY position DESC LIMIT 1;
  IF head_position IS NULL THEN
    head_position := 0;
    head_hash := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
  END IF;
  NEW.position := head_position + 1;
  NEW.hash := sha256(head_hash || convert_to(NEW.change, 'UTF8'));
  RETURN NEW;
END $$;

CREATE TRIGGER alert_log_append BEFORE INSERT ON alert_log FOR EACH ROW EXECUTE FUNCTION alert_log_append();

-- Append-only for every role, the owner included: changing history takes dropping this trigger first.
CREATE FUNCTION alert_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'alert_log is append-only: % refused', TG_OP USING ERRCODE = 'check_violation';
END $$;

CREATE TRIGGER alert_log_append_only BEFORE UPDATE OR DELETE ON alert_log FOR EACH ROW EXECUTE FUNCTION alert_log_refuse_change();
CREATE TRIGGER alert_log_no_truncate BEFORE TRUNCATE ON alert_log FOR EACH STATEMENT EXECUTE FUNCTION alert_log_refuse_change();

-- The functions find alert_log in this schema only: a table of the same name elsewhere on a caller's search_path
-- (a temporary one included) cannot stand in for it.
DO $$ BEGIN
  EXECUTE format('ALTER FUNCTION alert_log_append() SET search_path = %I, pg_temp', current_schema());
END $$;

-- Alerts stored before this migration enter the history as their current state, one change each, in the order they
-- were last updated (alert-history-step.ts): the chain covers every alert from the start.
-- step: log-stored-alerts

-- A SHARED_DESPITE_OBJECTION alert never resolves (services/core/alert.ts).
ALTER TABLE alerts ADD CONSTRAINT shared_despite_objection_never_resolves
  CHECK (rule <> 'SHARED_DESPITE_OBJECTION' OR (state = 'FIRING' AND resolved_at IS NULL AND resolved_by IS NULL));

-- The rest of the lifecycle table of services/core/alert.ts, for every change of a stored alert: FIRED only from
-- nothing; ESCALATED only from a firing OBJECTION_OVERDUE, to OBJECTION_NOT_PROPAGATED; RESOLVED only from firing;
-- nothing after RESOLVED. A decision stored twice rewrites the row unchanged, which is allowed.
ALTER TABLE alerts ADD CONSTRAINT alert_state_is_known CHECK (state IN ('FIRING', 'RESOLVED'));
ALTER TABLE alerts ADD CONSTRAINT alert_resolution_is_whole
  CHECK ((state = 'RESOLVED') = (resolved_at IS NOT NULL) AND (resolved_at IS NULL) = (resolved_by IS NULL));

CREATE FUNCTION alerts_follow_lifecycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.rule, NEW.severity, NEW.state, NEW.escalated_at, NEW.resolved_at, NEW.resolved_by, NEW.last_transition)
     IS NOT DISTINCT FROM (OLD.rule, OLD.severity, OLD.state, OLD.escalated_at, OLD.resolved_at, OLD.resolved_by, OLD.last_transition) THEN
    RETURN NEW;
  END IF;
  IF OLD.state <> 'FIRING' THEN
    RAISE EXCEPTION 'alert %: a resolved alert does not change', OLD.alert_id USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.rule IS DISTINCT FROM OLD.rule AND NOT (OLD.rule = 'OBJECTION_OVERDUE' AND NEW.rule = 'OBJECTION_NOT_PROPAGATED') THEN
    RAISE EXCEPTION 'alert %: % cannot become %', OLD.alert_id, OLD.rule, NEW.rule USING ERRCODE = 'check_violation';
  END IF;
  IF (NEW.rule IS DISTINCT FROM OLD.rule) <> (NEW.escalated_at IS DISTINCT FROM OLD.escalated_at) OR (OLD.escalated_at IS NOT NULL AND NEW.escalated_at IS DISTINCT FROM OLD.escalated_at) THEN
    RAISE EXCEPTION 'alert %: escalation changes the rule and sets escalated_at, once', OLD.alert_id USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.last_transition NOT IN ('ESCALATED', 'RESOLVED') THEN
    RAISE EXCEPTION 'alert %: % is not a change of a stored alert', OLD.alert_id, NEW.last_transition USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER alerts_follow_lifecycle BEFORE UPDATE ON alerts FOR EACH ROW EXECUTE FUNCTION alerts_follow_lifecycle();
