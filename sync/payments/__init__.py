"""Where money arrives other than by bank statement: hosted payment pages of a provider."""
