"""Scheduling: the APScheduler 3 adapter and the job functions it calls (thin edges)."""
