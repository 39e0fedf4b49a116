"""What a work needs before its text is shown, what a reader or token agreed to, and the gates."""
