-- The confirmations of an offer's assignments by code: a point of sale's
-- code is a voucher code of the offer, never two assignments' (Confirm
-- looks for another assignment holding it). Not unique: a database of an
-- earlier promoc may hold one code confirmed twice, which stays.
CREATE INDEX offer_assignments_confirmation ON offer_assignments (offer, confirmation) WHERE confirmation <> '';
