"""Survey campaigns: instruments, populations, invitations, kiosk codes and responses (M3)."""
