"""Services: what combines the warehouse and the transactional store (console queries with live corrections, console actions, letters, demo accounts)."""
