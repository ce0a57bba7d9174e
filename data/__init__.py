"""Synthetic data generation and snapshot ingestion."""
