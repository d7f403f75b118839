-- Chained timestamps are hashed in a fixed-width UTC form defined for years 1..9999 only. The finite
-- checks let through BC dates (to_char drops the era: 1 BC and 1 AD hashed alike) and five-digit years
-- (rendered differently by SQL and by verify). Replace them with range checks over years 1..9999.
ALTER TABLE "audit_log" DROP CONSTRAINT "audit_log_created_at_finite_check";--> statement-breakpoint
ALTER TABLE "signatures" DROP CONSTRAINT "signatures_timestamp_utc_finite_check";--> statement-breakpoint
ALTER TABLE "signatures" DROP CONSTRAINT "signatures_created_at_finite_check";--> statement-breakpoint
ALTER TABLE "student_competencies" DROP CONSTRAINT "student_competencies_status_changed_at_finite_check";--> statement-breakpoint
ALTER TABLE "student_competencies" DROP CONSTRAINT "student_competencies_created_at_finite_check";--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_created_at_range_check" CHECK (created_at >= '0001-01-01 00:00:00+00' AND created_at < '10000-01-01 00:00:00+00');--> statement-breakpoint
ALTER TABLE "signatures" ADD CONSTRAINT "signatures_timestamp_utc_range_check" CHECK (timestamp_utc >= '0001-01-01 00:00:00+00' AND timestamp_utc < '10000-01-01 00:00:00+00');--> statement-breakpoint
ALTER TABLE "signatures" ADD CONSTRAINT "signatures_created_at_range_check" CHECK (created_at >= '0001-01-01 00:00:00+00' AND created_at < '10000-01-01 00:00:00+00');--> statement-breakpoint
ALTER TABLE "student_competencies" ADD CONSTRAINT "student_competencies_status_changed_at_range_check" CHECK (status_changed_at >= '0001-01-01 00:00:00+00' AND status_changed_at < '10000-01-01 00:00:00+00');--> statement-breakpoint
ALTER TABLE "student_competencies" ADD CONSTRAINT "student_competencies_created_at_range_check" CHECK (created_at >= '0001-01-01 00:00:00+00' AND created_at < '10000-01-01 00:00:00+00');