"""Task specs in the service: stored, versioned, edited from the dashboard, used by jobs."""
