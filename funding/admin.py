"""Pre-project fee records are changed through the app's screens (services with history), not the admin."""
