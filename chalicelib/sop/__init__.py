"""SOP plans: a trigger enrols a contact (or a customer group) into a route of steps, each
due at a delay or on day N at HH:MM local time; a scheduled tick sends what is due within
frequency caps and quiet hours, and every step is measured up to orders and GMV."""
