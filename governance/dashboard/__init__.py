"""Dashboards and rankings: the one place that reads across every app, through selectors."""
