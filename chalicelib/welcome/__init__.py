"""Welcome messages per channel, sent with the add's WelcomeCode within its 20 seconds."""
