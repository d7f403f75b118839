-- No double booking. The spec's unique index on (instructor_id, start_time) only stops two bookings
-- that start at the same instant; 10:00-11:00 and 10:30-11:30 both got in. This exclusion constraint
-- rejects any two active bookings of one instructor whose half-open ranges [start, end) overlap, with
-- SQLSTATE 23P01. Half-open means back-to-back bookings (10:00-11:00, 11:00-12:00) are allowed.
-- Active = not cancelled or rescheduled, the same predicate as the spec's index.
ALTER TABLE bookings ADD CONSTRAINT bookings_instructor_no_overlap_excl
  EXCLUDE USING gist (instructor_id WITH =, tstzrange(start_time, end_time, '[)') WITH &&)
  WHERE (status NOT IN ('cancelled', 'rescheduled'));
